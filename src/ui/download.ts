/** Saves bytes as a file through a temporary <a download> on a Blob URL. */
export function downloadBytes(bytes: Uint8Array, fileName: string, type = 'audio/wav'): void {
  const blob = new Blob([bytes.slice()], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; give it time.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
