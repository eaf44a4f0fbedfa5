// Test helper: records the files the page saves. Downloads go through an object URL and a
// temporary <a download> (src/renderer/src/lib/download.ts); happy-dom cannot save files, so
// the click is caught and the Blob behind the URL kept for the test to read. Called inside a
// test, it restores the real ones when that test ends.
import { onTestFinished, vi } from 'vitest'

export interface SavedFile {
  fileName: string
  type: string
  text(): Promise<string>
}

export function captureDownloads(): { files: SavedFile[]; restore(): void } {
  const files: SavedFile[] = []
  const blobs = new Map<string, Blob>()
  let n = 0
  const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    const url = `blob:corelane-test/${++n}`
    blobs.set(url, blob as Blob)
    return url
  })
  const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
  const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    const blob = blobs.get(this.href)
    if (!blob || !this.download) throw new Error(`a link was clicked that is not a download: ${this.href}`)
    files.push({ fileName: this.download, type: blob.type, text: () => blob.text() })
  })
  const restore = () => {
    create.mockRestore()
    revoke.mockRestore()
    click.mockRestore()
  }
  onTestFinished(restore)
  return { files, restore }
}
