// An async generator becomes Server-Sent Events.
return (async function* () {
  for (let i = 1; i <= 3; i++) yield { tick: i };
})();
