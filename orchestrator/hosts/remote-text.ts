/**
 * Text a server sent (stderr, messages, file names) is printed only after
 * this: escape sequences (CSI colours, OSC titles and hyperlinks, any ESC) and
 * other control characters could rewrite the user's terminal. Newlines and
 * tabs stay; everything else becomes visible or goes.
 */
// ESC [ … final byte (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC), ESC + one byte
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[\s\S]?)/g;
// C0 except \t and \n, DEL, C1 (U+0080–U+009F: 8-bit CSI/OSC on some terminals), bidi overrides
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(/\r\n/g, "\n").replace(CONTROL, "");
}
