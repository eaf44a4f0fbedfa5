// Saves data the page made as a file: a Blob behind a temporary object URL and a temporary
// <a download>, clicked once and removed. Works the same in Electron (its save dialog) and
// in a browser (its downloads); nothing goes through the engine.

/** How long the object URL outlives the click: the download has started by then. */
const REVOKE_AFTER_MS = 60_000

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.append(link)
  try {
    link.click()
  } finally {
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
  }
}

export function downloadText(text: string, fileName: string, mimeType: string): void {
  downloadBlob(new Blob([text], { type: mimeType }), fileName)
}

/** A timestamp for file names: 2025-01-31-14-05-09 (local time). */
export function fileStamp(at: number): string {
  const d = new Date(at)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}-${two(d.getHours())}-${two(d.getMinutes())}-${two(d.getSeconds())}`
}
