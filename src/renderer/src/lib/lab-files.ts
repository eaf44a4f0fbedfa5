// A lab result saved as a file: CSV (the shared labToCsv, the same as `corelane lab --csv`),
// JSON (the result as the host sent it, the same as `--json`) or PNG (lib/lab-png.ts).
import type { LabResult } from '../../../shared/lab.ts'
import { labToCsv } from '../../../shared/lab-export.ts'
import { downloadBlob, downloadText, fileStamp } from './download.ts'
import type { LabColours } from './lab-draw.ts'
import { paintLabPng } from './lab-png.ts'

export function labFileName(result: LabResult, extension: 'csv' | 'json' | 'png'): string {
  return `corelane-lab-${result.experiment}-${result.scale}-${fileStamp(result.startedAt)}.${extension}`
}

export function saveLabCsv(result: LabResult): void {
  downloadText(labToCsv(result), labFileName(result, 'csv'), 'text/csv')
}

export function saveLabJson(result: LabResult): void {
  downloadText(`${JSON.stringify(result, null, 2)}\n`, labFileName(result, 'json'), 'application/json')
}

/** Resolves once the download has started; rejects when this window cannot draw or encode a PNG. */
export function saveLabPng(result: LabResult, colours: LabColours): Promise<void> {
  const canvas = document.createElement('canvas')
  let painted: boolean
  try {
    painted = paintLabPng(canvas, result, colours)
  } catch {
    painted = false
  }
  if (!painted) return Promise.reject(new Error('This window cannot draw images (no 2D canvas)'))
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('The picture could not be encoded as PNG'))
      downloadBlob(blob, labFileName(result, 'png'))
      resolve()
    }, 'image/png')
  })
}
