import { execFileSync, spawnSync } from "node:child_process";

/**
 * Debian's python3 with numpy and matplotlib: the seed's own arithmetic, used as the
 * independent oracle for linspace, colours and escape counts.
 */
export const python = "/usr/bin/python3";

export const hasPythonOracle = spawnSync(python, ["-c", "import numpy, matplotlib"]).status === 0;
if (!hasPythonOracle && process.env.REQUIRE_SEED_REFERENCE === "1") {
  throw new Error("REQUIRE_SEED_REFERENCE=1 but /usr/bin/python3 lacks numpy/matplotlib: apt-get install -y python3-matplotlib");
}

/** Runs a Python snippet with `args` as sys.argv[1:] and parses what it prints as JSON. */
export function pythonJson<T>(source: string, args: readonly (string | number)[] = []): T {
  const out = execFileSync(python, ["-c", source, ...args.map(String)], { maxBuffer: 1 << 28 });
  return JSON.parse(out.toString()) as T;
}
