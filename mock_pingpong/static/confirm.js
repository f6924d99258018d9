// The upgraded UI variant's confirmation dialog (an external script: the pages' CSP allows no inline one).
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
