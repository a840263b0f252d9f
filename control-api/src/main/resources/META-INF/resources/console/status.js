// The status line under the header: what just happened, or what went wrong.
export function status(text, isError = false) {
  const line = document.getElementById('status');
  line.textContent = text;
  line.classList.toggle('error', isError);
}
