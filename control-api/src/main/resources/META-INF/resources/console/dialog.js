// The console's own modal dialog (an HTML <dialog>): a question with an optional choice and comment, answered by its
// buttons. Unlike prompt(), cancelling is told apart from an empty comment, and the page keeps its look.
import { escape } from './format.js';

/**
 * Asks {@code question}; resolves to the comment (possibly empty) when confirmed, or null when dismissed (its
 * {@code dismiss} button or Escape). With {@code comment: false} there is no comment field and a confirmation resolves to ''.
 */
export async function ask(question, { confirm = 'OK', dismiss = 'Cancel', comment = true } = {}) {
  const answer = await open(question, '', { confirm, dismiss, comment });
  return answer === null ? null : answer.comment;
}

/**
 * Asks {@code question} with a choice among {@code options} ({value, label}) labelled {@code label}, and a comment;
 * resolves to {value, comment} when confirmed, or null when dismissed.
 */
export function choose(question, label, options, { confirm = 'OK', dismiss = 'Cancel' } = {}) {
  const choice = `<label>${escape(label)} <select id="ask-choice" required>
      ${options.map(option => `<option value="${escape(option.value)}">${escape(option.label)}</option>`).join('')}
    </select></label>`;
  return open(question, choice, { confirm, dismiss, comment: true });
}

function open(question, choice, { confirm, dismiss, comment }) {
  const dialog = document.createElement('dialog');
  dialog.id = 'ask-dialog';
  dialog.innerHTML = `<form method="dialog" class="ask">
      <p id="ask-question">${escape(question)}</p>
      ${choice}
      ${comment ? '<label>Comment <textarea id="ask-comment" rows="3" maxlength="1000"></textarea></label>' : ''}
      <div class="ask-buttons"><button type="submit" value="cancel" id="ask-cancel" formnovalidate>${escape(dismiss)}</button>
        <button type="submit" value="confirm" class="primary" id="ask-confirm">${escape(confirm)}</button></div>
    </form>`;
  document.body.appendChild(dialog);
  return new Promise(resolve => {
    dialog.addEventListener('close', () => {
      const text = dialog.querySelector('#ask-comment')?.value ?? '';
      const value = dialog.querySelector('#ask-choice')?.value ?? null;
      dialog.remove();
      resolve(dialog.returnValue === 'confirm' ? { value, comment: text } : null);
    });
    dialog.showModal();
    (dialog.querySelector('#ask-choice') ?? dialog.querySelector('#ask-comment') ?? dialog.querySelector('#ask-confirm')).focus();
  });
}
