/**
 * A 5x7 bitmap font for contact-sheet labels, embedded so the renderer bundle
 * needs no font files on the server. Digits, lowercase letters (uppercase is
 * drawn as lowercase) and the punctuation labels use; anything else draws "?".
 */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal distance from one character to the next, in font pixels. */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

// Each glyph: 7 rows, top to bottom, of 5 columns; "#" is ink.
const GLYPH_ROWS: Record<string, string> = {
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... #.##. ##..# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #...# .###.",
  d: "....# ....# .##.# #..## #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..##. .#..# .#... ###.. .#... .#... .#...",
  g: "..... .#### #...# #...# .#### ....# .###.",
  h: "#.... #.... #.##. ##..# #...# #...# #...#",
  i: "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j: "...#. ..... ..##. ...#. ...#. #..#. .##..",
  k: "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l: ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m: "..... ..... ##.#. #.#.# #.#.# #...# #...#",
  n: "..... ..... #.##. ##..# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# ####. #.... #....",
  q: "..... ..... .##.# #..## .#### ....# ....#",
  r: "..... ..... #.##. ##..# #.... #.... #....",
  s: "..... ..... .###. #.... .###. ....# ####.",
  t: ".#... .#... ###.. .#... .#... .#..# ..##.",
  u: "..... ..... #...# #...# #...# #..## .##.#",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",
  " ": "..... ..... ..... ..... ..... ..... .....",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  ",": "..... ..... ..... ..... .##.. ..#.. .#...",
  ":": "..... .##.. .##.. ..... .##.. .##.. .....",
  "-": "..... ..... ..... ##### ..... ..... .....",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  "=": "..... ..... ##### ..... ##### ..... .....",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  "/": "..... ....# ...#. ..#.. .#... #.... .....",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  _: "..... ..... ..... ..... ..... ..... #####",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
};

/** One glyph: a bit mask per row, bit 4 (16) is the leftmost column. */
export type Glyph = readonly number[];

const GLYPHS = new Map<string, Glyph>(Object.entries(GLYPH_ROWS).map(([char, rows]) => [char, parseGlyph(char, rows)]));

export function glyphFor(char: string): Glyph {
  return GLYPHS.get(char) ?? GLYPHS.get(char.toLowerCase()) ?? GLYPHS.get("?")!;
}

/** The characters the font draws as themselves. */
export function hasGlyph(char: string): boolean {
  return GLYPHS.has(char) || GLYPHS.has(char.toLowerCase());
}

function parseGlyph(char: string, rows: string): Glyph {
  const lines = rows.split(" ");
  if (lines.length !== GLYPH_HEIGHT || lines.some((line) => line.length !== GLYPH_WIDTH)) {
    throw new Error(`font glyph ${JSON.stringify(char)} must be ${GLYPH_HEIGHT} rows of ${GLYPH_WIDTH} columns`);
  }
  return lines.map((line) => [...line].reduce((bits, cell) => (bits << 1) | (cell === "#" ? 1 : 0), 0));
}
