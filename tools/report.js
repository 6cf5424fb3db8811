// The comparison report's only script: a link to a collapsed probe opens it.
// Everything else on the page works without it.
function openLinkedDetails() {
  const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target instanceof HTMLDetailsElement) target.open = true;
}
addEventListener("hashchange", openLinkedDetails);
openLinkedDetails();
