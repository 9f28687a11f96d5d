/**
 * numpy.linspace, bit for bit: step = (b - a) / (n - 1), value i = i * step + a
 * (two roundings), the last value is b exactly, and n = 1 gives [a].
 */
export function linspaceAt(a: number, b: number, n: number, i: number): number {
  if (n === 1) return a;
  if (i === n - 1) return b;
  const step = (b - a) / (n - 1);
  return i * step + a;
}

export function linspace(a: number, b: number, n: number): Float64Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = linspaceAt(a, b, n, i);
  return values;
}
