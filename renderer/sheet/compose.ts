import { BACKGROUND, LABEL_COLOR, LABEL_LINE_GAP, LABEL_PADDING, thumbnailOrigin, type SheetLayout } from "./layout.ts";
import { blit, createCanvas, drawText, textHeight, type Canvas } from "./text.ts";

/** Paints a contact sheet: thumbnails copied in unchanged (exact renders), labels drawn below them. */
export function createSheetCanvas(layout: SheetLayout): Canvas {
  return createCanvas(layout.width, layout.height, BACKGROUND);
}

/** Copies thumbnail `index` (an RGB buffer `stride` pixels wide) into its cell. */
export function placeThumbnail(canvas: Canvas, layout: SheetLayout, index: number, rgb: Uint8Array, stride = layout.thumbJob.width): void {
  const { x, y } = thumbnailOrigin(layout, index);
  blit(canvas, x, y, rgb, layout.thumbJob.width, layout.thumbJob.height, stride);
}

export function drawLabels(canvas: Canvas, layout: SheetLayout): void {
  layout.labels.forEach((lines, index) => {
    const { x, y } = thumbnailOrigin(layout, index);
    const top = y + layout.thumbJob.height + LABEL_PADDING;
    lines.forEach((line, n) => {
      drawText(canvas, x, top + n * (textHeight(layout.labelScale) + LABEL_LINE_GAP), line, layout.labelScale, LABEL_COLOR);
    });
  });
}
