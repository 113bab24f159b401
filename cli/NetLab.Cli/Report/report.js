// Copy buttons: the command is selected (so it shows what is copied, and Ctrl-C works where nothing else does),
// then written to the clipboard when the browser allows it.
document.addEventListener('click', function (event) {
  var button = event.target.closest('button.copy');
  if (!button) {
    return;
  }
  var text = button.getAttribute('data-copy');
  var range = document.createRange();
  range.selectNodeContents(button.previousElementSibling);
  var selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  var say = function (word) {
    button.textContent = word;
    button.classList.add('done');
    window.setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('done'); }, 1800);
  };
  var fallback = function () {
    try { return document.execCommand('copy'); } catch (e) { return false; }
  };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(text).then(function () { say('Copied'); }, function () { say(fallback() ? 'Copied' : 'Selected: Ctrl-C'); });
  } else {
    say(fallback() ? 'Copied' : 'Selected: Ctrl-C');
  }
});
