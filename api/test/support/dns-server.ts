import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real DNS server for tests: Debian's dnsmasq (`apt-get install dnsmasq`; .ci/run installs it), started
 * by the test in the foreground on 127.0.0.1 at a free port, answering TXT records from its own config
 * file only (`--no-resolv --no-hosts`, `--local=/#/`: every other name is NXDOMAIN, nothing is forwarded).
 * dnsmasq re-reads only hosts-style files on SIGHUP, not `txt-record` lines, so a change of records is a
 * restart on the same port with a new config file; `setTxt` returns once the new records are served.
 */
export type DnsServer = {
  /** `127.0.0.1:<port>`, as DNS_RESOLVERS takes it. */
  address: string;
  /** Replaces every TXT record: name → its values (each value one record). */
  setTxt(records: Record<string, string[]>): Promise<void>;
  stop(): Promise<void>;
};

const READY_NAME = '_ready.dns-server.test';

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A txt-record value in dnsmasq's syntax: quoted, with backslash and quote escaped. */
const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export async function startDnsServer(initial: Record<string, string[]> = {}): Promise<DnsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dns-server-'));
  const port = await freeUdpPort();
  const address = `127.0.0.1:${port}`;
  const resolver = new dns.Resolver({ timeout: 300, tries: 1 });
  resolver.setServers([address]);
  let child: ChildProcess | undefined;
  let generation = 0;
  let stderr = '';

  const stopChild = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };

  const start = async (records: Record<string, string[]>) => {
    generation += 1;
    const conf = join(dir, `dnsmasq-${generation}.conf`);
    const lines = [`txt-record=${READY_NAME},${quote(String(generation))}`];
    // One line per value: several strings on one line would be ONE record split in chunks.
    for (const [name, values] of Object.entries(records)) for (const v of values) lines.push(`txt-record=${name},${quote(v)}`);
    await writeFile(conf, `${lines.join('\n')}\n`);
    await stopChild();
    stderr = '';
    const c = spawn(
      'dnsmasq',
      [
        '--keep-in-foreground',
        '--no-resolv',
        '--no-hosts',
        '--local=/#/',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        `--port=${port}`,
        '--pid-file=',
        '--log-facility=-',
        `--conf-file=${conf}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child = c;
    // Ready when the sentinel record of THIS config answers (the old process is gone, the new one serves).
    for (let i = 0; i < 100; i++) {
      if (c.exitCode !== null) throw new Error(`dnsmasq exited (${c.exitCode}): ${stderr}`);
      const answer = await resolver.resolveTxt(READY_NAME).catch(() => undefined);
      if (answer?.[0]?.join('') === String(generation)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`dnsmasq did not answer on ${address}: ${stderr}`);
  };

  await start(initial);
  return {
    address,
    setTxt: (records) => start(records),
    stop: async () => {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
