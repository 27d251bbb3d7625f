import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runCommand } from '../../src/dev/control-plane/run-command.js';

// Issue 5 acceptance: `stow playground` brings the samples to Ready with a Secret and a Service,
// and stops cleanly on Ctrl-C (SIGINT). Issue 13: the samples have real PostgreSQL servers, and the
// psql command it prints works.
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

t.test('stow playground', { timeout: 300_000 }, async (t) => {
  const child = spawn(process.execPath, [cli, 'playground'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const deadline = Date.now() + 240_000;
  while (!/all \d+ samples are Ready/.test(output) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 500));
  }
  t.match(output, /all 3 samples are Ready/, `playground output:\n${output}`);
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(output)?.[1];
  t.ok(kubeconfig, 'prints how to point kubectl at it');

  const kubectl = (...args: string[]) => runCommand('kubectl', ['--kubeconfig', kubeconfig ?? '', ...args]);
  const secret = JSON.parse((await kubectl('get', 'secret', 'orders', '-n', 'default', '-o', 'json')).stdout);
  t.ok(secret.data.DB_PASSWORD, 'Secret has the password');
  t.equal(Buffer.from(secret.data.DB_HOST, 'base64').toString(), 'localhost', 'the host of a real server');

  const psqlLine = /^\s*(psql .*?)\s*(#.*)?$/m.exec(output)?.[1];
  t.ok(psqlLine, 'prints a psql command');
  const psql = await runCommand('bash', ['-c', psqlLine ?? 'false'], 'select 1 as answer;\n', {
    env: { ...process.env, KUBECONFIG: kubeconfig ?? '' },
  });
  t.equal(psql.code, 0, `the printed command works: ${psql.stderr}`);
  t.match(psql.stdout, /answer\s*\n-+\s*\n\s*1\s*\n/, 'and runs a query on the server');
  const service = JSON.parse(
    (await kubectl('get', 'service', 'orders', '-n', 'default', '-o', 'json')).stdout,
  );
  t.equal(service.spec.type, 'ExternalName');
  t.equal(service.spec.externalName, Buffer.from(secret.data.DB_HOST, 'base64').toString());
  const legacy = JSON.parse(
    (await kubectl('get', 'postgresdbs.v1alpha1.stow.dev', 'legacy', '-n', 'default', '-o', 'json')).stdout,
  );
  t.equal(legacy.status.ready, 'available', 'the v1alpha1 sample reads back in its own shape');

  child.kill('SIGINT');
  t.equal(await exited, 0, 'exits 0 on Ctrl-C');
  t.match(output, /stopped\./);
  const apiserverGone = await kubectl('get', 'ns');
  t.not(apiserverGone.code, 0, 'the control plane is gone');
});
