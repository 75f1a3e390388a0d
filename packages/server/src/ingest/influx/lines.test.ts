import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/labels.js';
import { ParserHost } from '../parse/host.js';
import { linePrefix } from './lines.js';

describe('linePrefix', () => {
  it('writes the name as measurement and the other labels as escaped tags, which the parser reads back', () => {
    const labels = Labels.fromObject({ __name__: 'disk use', path: 'C:\\data', 'a=b': 'x,y' });
    const prefix = linePrefix(labels.pairs);
    expect(prefix).toBe('disk\\ use,a\\=b=x\\,y,path=C:\\\\data value=');
    const parsed = new ParserHost().run('influx', `${prefix}1.5 1700000000000\n`, { db: '', precision: 'ms', now: 1700000000000, firstLine: 1 });
    expect(parsed.rejects).toEqual([]);
    expect(parsed.newLabels).toEqual([Labels.fromObject({ __name__: 'disk use_value', path: 'C:\\data', 'a=b': 'x,y' }).pairs]);
  });
});
