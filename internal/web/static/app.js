// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-copy]");
  if (!target || !navigator.clipboard) return;
  const code = target.querySelector("code");
  if (code) navigator.clipboard.writeText(code.textContent.trim());
});
