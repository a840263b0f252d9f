// The console's own modal dialog (an HTML <dialog>): a question with an optional comment, answered by its buttons.
// Unlike prompt(), cancelling is told apart from an empty comment, and the page keeps its look.
import { escape } from './format.js';

/**
 * Asks {@code question}; resolves to the comment (possibly empty) when confirmed, or null when dismissed (its
 * {@code dismiss} button or Escape). With {@code comment: false} there is no comment field and a confirmation resolves to ''.
 */
export function ask(question, { confirm = 'OK', dismiss = 'Cancel', comment = true } = {}) {
  const dialog = document.createElement('dialog');
  dialog.id = 'ask-dialog';
  dialog.innerHTML = `<form method="dialog" class="ask">
      <p id="ask-question">${escape(question)}</p>
      ${comment ? '<label>Comment <textarea id="ask-comment" rows="3" maxlength="1000"></textarea></label>' : ''}
      <div class="ask-buttons"><button type="submit" value="cancel" id="ask-cancel">${escape(dismiss)}</button>
        <button type="submit" value="confirm" class="primary" id="ask-confirm">${escape(confirm)}</button></div>
    </form>`;
  document.body.appendChild(dialog);
  return new Promise(resolve => {
    dialog.addEventListener('close', () => {
      const text = dialog.querySelector('#ask-comment')?.value ?? '';
      dialog.remove();
      resolve(dialog.returnValue === 'confirm' ? text : null);
    });
    dialog.showModal();
    (dialog.querySelector('#ask-comment') ?? dialog.querySelector('#ask-confirm')).focus();
  });
}
