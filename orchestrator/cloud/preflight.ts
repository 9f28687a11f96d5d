import { RENDER_REMOTE_TAG } from "../../stacks/tags.ts";
import { BadInputError, ProvisionError, RenderRemoteError } from "../errors.ts";
import { LinodeApiError, TOKEN_HELP, type LinodeClient } from "./linode-api.ts";
import type { ProvisionEngine } from "./pulumi-engine.ts";
import { checkRegion } from "./region-check.ts";

/**
 * Everything a run needs, checked before the journal is written and before
 * `up`: once `up` starts, a server may bill. A failure here says what is
 * missing and that nothing was created, and no teardown (no destroy retries)
 * follows, because there is nothing to tear down.
 */
export const NOTHING_CREATED = "Nothing was created.";

export async function preflight(engine: ProvisionEngine, client: LinodeClient, region: string, type: string): Promise<void> {
  await checkToken(client);
  await nothingCreated(async () => {
    const warning = await checkRegion(client, region);
    if (warning) throw new ProvisionError(warning.replace(/; going ahead\.$/, "."));
  });
  await nothingCreated(() => checkPlanOffered(client, region, type));
  // the CLI at a version that can destroy what it creates, and the linode plugin at @pulumi/linode's version
  await nothingCreated(() => engine.preflight());
}

/** The token is accepted, and may list instances (it will have to delete them). */
async function checkToken(client: LinodeClient): Promise<void> {
  try {
    await client.listInstances({ tag: RENDER_REMOTE_TAG });
  } catch (error) {
    if (error instanceof LinodeApiError && (error.kind === "auth" || error.kind === "no-token")) {
      throw new BadInputError(
        `LINODE_TOKEN was not accepted (${error.status || "missing"}${error.reasons.length ? `: ${error.reasons.join("; ")}` : ""}). ${NOTHING_CREATED} ${TOKEN_HELP}`,
        { cause: error },
      );
    }
    throw new ProvisionError(`Could not check LINODE_TOKEN: ${(error as Error).message} ${NOTHING_CREATED}`, { cause: error });
  }
}

/** A plan Linode lists as unavailable in the region would fail `up` half way, after the firewall exists. */
async function checkPlanOffered(client: LinodeClient, region: string, type: string): Promise<void> {
  const availability = await client.getRegionAvailability(region);
  const entry = availability.find((item) => item.plan === type);
  // The list names plans whose capacity is limited; a plan it does not name is offered.
  if (entry && !entry.available)
    throw new BadInputError(`Plan ${type} is not available in region ${region} at the moment. Pick another --region or --plan.`);
}

async function nothingCreated(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    const message = (error as Error).message;
    if (message.includes(NOTHING_CREATED)) throw error;
    const text = `${message.replace(/\s*$/, "")} ${NOTHING_CREATED}`;
    if (error instanceof BadInputError) throw new BadInputError(text, { cause: error });
    if (error instanceof RenderRemoteError && error.kind !== "provision") throw error;
    throw new ProvisionError(text, { cause: error });
  }
}
