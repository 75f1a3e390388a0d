import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlagError, FLAGS, helpText, parseFlags, parseListenAddress } from './flags.js';
import { resolveOptions } from './options.js';

describe('parseFlags', () => {
  it('accepts --flag=value and --flag value', () => {
    const f = parseFlags([
      '--web.listen-address=127.0.0.1:0',
      '--storage.tsdb.path',
      '/tmp/x',
      '--storage.tsdb.retention.time=30d',
      '--storage.tsdb.retention.size',
      '512MB',
      '--storage.tsdb.out-of-order-time-window=0',
      '--storage.tsdb.wal-fsync=commit',
      '--log.level=debug',
      '--log.format',
      'json',
      '--web.max-body-size=1MB',
      '--config.file=c.yml',
    ]);
    expect(f).toEqual({
      help: false,
      configFile: 'c.yml',
      web: { listenAddress: '127.0.0.1:0', maxBodyBytes: 2 ** 20 },
      log: { level: 'debug', format: 'json' },
      storage: {
        path: '/tmp/x',
        retentionTimeMs: 30 * 86400_000,
        retentionBytes: 512 * 2 ** 20,
        outOfOrderTimeWindowMs: 0,
        walFsync: 'commit',
      },
      ingest: {},
      push: { influx: {}, graphite: {}, statsd: {}, opentsdb: {}, pushgateway: {}, net: {} },
      query: {},
      given: {
        'web.listen-address': '127.0.0.1:0',
        'storage.tsdb.path': '/tmp/x',
        'storage.tsdb.retention.time': '30d',
        'storage.tsdb.retention.size': '512MB',
        'storage.tsdb.out-of-order-time-window': '0',
        'storage.tsdb.wal-fsync': 'commit',
        'log.level': 'debug',
        'log.format': 'json',
        'web.max-body-size': '1MB',
        'config.file': 'c.yml',
      },
    });
    expect(parseFlags(['--storage.tsdb.wal-fsync', '250ms']).storage.walFsync).toBe(250);
  });

  it.each<[string[], RegExp]>([
    [['--nope=1'], /unknown flag --nope/],
    [['--storage.tsdb.retention.time=15 days'], /invalid value for flag --storage\.tsdb\.retention\.time: not a valid duration/],
    [['--storage.tsdb.retention.size=lots'], /invalid value for flag --storage\.tsdb\.retention\.size: not a valid size/],
    [['--storage.tsdb.wal-fsync=0s'], /--storage\.tsdb\.wal-fsync: must be "commit" or a positive duration/],
    [['--log.level=verbose'], /--log\.level: must be one of debug, info, warn, error/],
    [['--log.format=xml'], /--log\.format: must be one of logfmt, json/],
    [['--web.listen-address=9090'], /not a valid listen address/],
    [['--web.listen-address=host:70000'], /not a valid listen address/],
    [['--storage.tsdb.path'], /flag --storage\.tsdb\.path needs a value/],
    [['serve'], /unexpected argument "serve"/],
  ])('rejects %j', (argv, re) => {
    expect(() => parseFlags(argv)).toThrow(FlagError);
    expect(() => parseFlags(argv)).toThrow(re);
  });

  it('--help lists every flag with its default', () => {
    expect(parseFlags(['--help']).help).toBe(true);
    const text = helpText();
    for (const f of FLAGS) expect(text).toContain(f.boolean ? `--${f.name}\n` : `--${f.name}=`);
    expect(text).toContain('Default: 0.0.0.0:9090');
    expect(text).toContain('Default: 15d');
    expect(text).toContain('Default: 1h');
    expect(text).toContain('Default: 1s');
  });

  it('takes switches alone or with =true/=false', () => {
    expect(parseFlags(['--web.enable-admin-api']).web.enableAdminApi).toBe(true);
    expect(parseFlags(['--web.enable-admin-api=false']).web.enableAdminApi).toBe(false);
    expect(() => parseFlags(['--web.enable-admin-api=yes'])).toThrowError(/must be true or false/);
    // A switch does not swallow the next argument.
    expect(parseFlags(['--web.enable-admin-api', '--log.level=debug']).log.level).toBe('debug');
  });

  it('parses listen addresses', () => {
    expect(parseListenAddress('0.0.0.0:9090')).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseListenAddress(':9090')).toEqual({ host: '', port: 9090 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
  });
});

describe('resolveOptions', () => {
  it('uses the defaults without flags or file', async () => {
    const o = await resolveOptions(parseFlags([]));
    expect(o.web).toEqual({ listenAddress: '0.0.0.0:9090', maxBodyBytes: 64 * 2 ** 20, enableAdminApi: false });
    expect(o.log).toEqual({ level: 'info', format: 'logfmt' });
    expect(o.storage).toEqual({
      path: resolve('./data'),
      retentionTimeMs: 15 * 86400_000,
      retentionBytes: 0,
      outOfOrderTimeWindowMs: 3600_000,
      walFsync: 1000,
    });
    expect(o.global.scrapeIntervalMs).toBe(60_000);
  });

  it('applies defaults < file < flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-opts-'));
    const file = join(dir, 'vigil.yml');
    writeFileSync(
      file,
      'global:\n  scrape_interval: 15s\nstorage:\n  tsdb:\n    path: from-file\n    retention:\n      time: 30d\n      size: 1GB\n    wal_fsync: commit\n',
    );
    const o = await resolveOptions(parseFlags([`--config.file=${file}`, '--storage.tsdb.retention.time=7d']));
    expect(o.storage).toEqual({
      path: join(dir, 'from-file'),
      retentionTimeMs: 7 * 86400_000, // flag beats file
      retentionBytes: 2 ** 30, // file beats default
      outOfOrderTimeWindowMs: 3600_000, // default
      walFsync: 'commit',
    });
    expect(o.global.scrapeIntervalMs).toBe(15_000);
  });

  it('reports a missing or bad config file by name', async () => {
    await expect(resolveOptions(parseFlags(['--config.file=/nonexistent/vigil.yml']))).rejects.toThrow(
      /cannot read config file \/nonexistent\/vigil\.yml/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'vigil-opts-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'storage:\n  tsdb:\n    retention:\n      time: forever\n');
    await expect(resolveOptions(parseFlags([`--config.file=${file}`]))).rejects.toThrow(
      `cannot load config file ${file}: line 4: storage.tsdb.retention.time: not a valid duration string: "forever"`,
    );
  });
});
