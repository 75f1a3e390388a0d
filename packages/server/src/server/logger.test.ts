import { describe, expect, it } from 'vitest';
import { createLogger, withFields } from './logger.js';

const fixed = () => new Date('2024-05-01T10:00:00.000Z');

describe('logger', () => {
  it('writes logfmt with quoting where needed and filters by level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: fixed });
    log.debug('hidden');
    log.info('Server is ready to receive web requests.', { address: '127.0.0.1:9090', n: 3, empty: '', q: 'a"b' });
    log.error('cannot open', { err: new Error('disk full') });
    expect(lines).toEqual([
      'time=2024-05-01T10:00:00.000Z level=info msg="Server is ready to receive web requests." address=127.0.0.1:9090 n=3 empty="" q="a\\"b"\n',
      'time=2024-05-01T10:00:00.000Z level=error msg="cannot open" err="disk full"\n',
    ]);
  });

  it('writes JSON and adds fields with withFields', () => {
    const lines: string[] = [];
    const log = withFields(createLogger({ format: 'json', write: (l) => lines.push(l), now: fixed }), { component: 'tsdb' });
    log.warn('slow', { ms: 5 });
    expect(JSON.parse(lines[0])).toEqual({ time: '2024-05-01T10:00:00.000Z', level: 'warn', msg: 'slow', component: 'tsdb', ms: 5 });
  });
});
