import { BadInputError } from "../errors.ts";
import type { LinodeClient } from "./linode-api.ts";

/**
 * cloud-init user data reaches the server through Linode's Metadata service,
 * which only some regions have. Without it the server would boot with no
 * user, no key and no host key we know: refuse before anything is created.
 * When the API cannot be asked (offline), say so and let Pulumi be the judge.
 */
export async function checkRegion(client: LinodeClient, region: string): Promise<string | undefined> {
  let found: Awaited<ReturnType<LinodeClient["getRegion"]>>;
  try {
    found = await client.getRegion(region);
  } catch (error) {
    return `Could not check region ${region} (${(error as Error).message}); going ahead.`;
  }
  if (!found)
    throw new BadInputError(
      `Unknown --region "${region}". Pick one with the Metadata capability, e.g. us-east or us-iad (list: https://api.linode.com/v4/regions).`,
    );
  if (!found.capabilities.includes("Metadata")) {
    throw new BadInputError(
      `Region ${region} has no Metadata service, which the server's cloud-init needs. Pick another --region, e.g. us-east or us-iad.`,
    );
  }
  return undefined;
}
