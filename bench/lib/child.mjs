// A bench server in its own process with an IPC channel: it sends {type:'ready', ...} once listening, and answers
// each message with one of the same type (a string message is its own type; an answer with `error` rejects).
import { fork } from 'node:child_process';

/** @param {string} script @param {string[]} args @param {string[]} [execArgv] */
export function startChild(script, args, execArgv = []) {
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.once('message', (message) => (message?.type === 'ready' ? resolve(message) : reject(new Error(`${script}: unexpected first message`))));
    child.once('exit', (code) => reject(new Error(`${script} exited early (code ${code})`)));
  });
  /** Sends a message and waits for the answer of its type. */
  const ask = (message) =>
    new Promise((resolve, reject) => {
      const type = typeof message === 'string' ? message : message.type;
      const onMessage = (answer) => {
        if (answer?.type !== type) return;
        child.off('message', onMessage);
        if (answer.error) reject(new Error(`${script}, ${type}: ${answer.error}`));
        else resolve(answer);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  const close = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.send('close');
      setTimeout(() => child.kill(), 5000).unref();
    });
  return { child, ready, ask, close };
}
