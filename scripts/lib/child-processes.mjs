// What `npm start`, `npm run cluster` and the NATS helper share about the processes they run.

/** Calls onLine for every complete line a stream writes, and for a last unterminated one. */
export function pipeLines(stream, onLine) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split(/\r?\n/);
    partial = lines.pop();
    lines.forEach(onLine);
  });
  stream.on('end', () => {
    if (partial) {
      onLine(partial);
    }
  });
}

/** Sends a signal to a process this script started; false when it is already gone. */
export function signalPid(pid, signal) {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ctrl-C, SIGTERM and SIGHUP: `stop(signal)`, or `killNow()` when already stopping (`stopping()`,
 * for whatever reason). npm forwards the terminal's SIGINT to its child as well, so one Ctrl-C
 * arrives twice within a moment: a repeat within a second is the same keypress, not a second one.
 */
export function onStopSignals({ stopping, stop, killNow }) {
  let lastSignalAt = 0;
  const handle = (signal) => {
    const now = Date.now();
    if (now - lastSignalAt < 1000) {
      return;
    }
    lastSignalAt = now;
    if (stopping()) {
      killNow();
    } else {
      stop(signal);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, handle);
  }
}
