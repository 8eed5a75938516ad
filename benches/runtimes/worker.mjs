// A Worker that answers once, as soon as it has started.
postMessage({ message: "Hello from Hoody Exec!" });
