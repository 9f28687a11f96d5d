import { audit } from "../audit/audit.ts";
import { localStacksFromEnv } from "../cloud/local-stacks.ts";

export interface AuditCommandOptions {
  destroy?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** `render-remote audit`: exit 0 when nothing is billing, 1 when something is (2 is thrown as AuditError). */
export async function auditCommand(options: AuditCommandOptions): Promise<number> {
  const report = await audit({ ...options, stacks: localStacksFromEnv() });
  return report.billing ? 1 : 0;
}
