// Plain-text tables: one header row, columns padded to fit, numbers right-aligned.
export function printTable(title, header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell ?? "")));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const numeric = header.map((_, i) =>
    rows.every((row) => typeof row[i] === "number" || /^[\d.,×%+-]+[ GMs%×]*$/.test(String(row[i] ?? ""))),
  );
  const line = (row) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of cells.slice(1)) console.log(line(row));
}

export const giga = (perSecond) => `${(perSecond / 1e9).toFixed(2)} G`;
export const ratio = (value) => `${value.toFixed(2)}×`;
export const percent = (value) => `${(value * 100).toFixed(0)} %`;
export const verdict = (pass) => (pass ? "PASS" : "MISS");
