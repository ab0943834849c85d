// Visible error banner (#errors). Messages are set as text, never HTML.

export function showError(message) {
  const box = document.getElementById('errors');
  const line = document.createElement('div');
  line.className = 'error-line';
  const text = document.createElement('span');
  text.className = 'error-text';
  text.textContent = String(message);
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = 'Dismiss';
  close.addEventListener('click', () => line.remove());
  line.append(text, close);
  box.append(line);
  console.error(message);
}
