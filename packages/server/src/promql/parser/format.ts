/**
 * Renders a tree back to PromQL in Prometheus's canonical one-line form (its
 * `String()`): `sum by (job) (rate(x{a="b"}[5m] offset 1m))`. Matchers are
 * sorted, durations normalised (`90s` prints as `1m30s`), `@` timestamps get
 * three decimals, parentheses are kept where they were written.
 */
import type { Matcher } from '../../model/matcher.js';
import type { DurationNode, Expr, NumberLiteral, SubqueryExpr, VectorMatching, VectorSelector } from './ast.js';
import { formatDuration } from './duration.js';
import { goQuote } from './strings.js';

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral':
      return formatNumberLiteral(e);
    case 'StringLiteral':
      return goQuote(e.value);
    case 'VectorSelector':
      return selectorText(e) + atAndOffset(e) + rangeModifiers(e);
    case 'MatrixSelector': {
      const vs = e.vectorSelector;
      const range = e.rangeExpr ? formatDurationNode(e.rangeExpr) : formatDuration(e.range);
      return `${selectorText(vs)}[${range}]${atAndOffset(vs)}${rangeModifiers(vs)}`;
    }
    case 'SubqueryExpr':
      return formatExpr(e.expr) + subquerySuffix(e);
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
    case 'UnaryExpr':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'BinaryExpr': {
      const bool = e.returnBool ? ' bool' : '';
      return `${formatExpr(e.lhs)} ${e.op}${bool}${matchingText(e.matching)} ${formatExpr(e.rhs)}`;
    }
    case 'AggregateExpr': {
      let s: string = e.op;
      if (e.without) s += ` without (${joinLabels(e.grouping)}) `;
      else if (e.grouping.length > 0) s += ` by (${joinLabels(e.grouping)}) `;
      const param = e.param ? `${formatExpr(e.param)}, ` : '';
      return `${s}(${param}${formatExpr(e.expr)})`;
    }
    case 'Call':
      return `${e.func.name}(${e.args.map(formatExpr).join(', ')})`;
  }
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest exact digits, never an exponent. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead! + frac;
  const exp = Number(expText);
  if (exp >= 0) {
    const intLen = 1 + exp;
    return sign + (digits.length <= intLen ? digits + '0'.repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`);
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

function formatNumberLiteral(n: NumberLiteral): string {
  if (n.duration && Number.isFinite(n.value)) {
    const ms = Math.round(n.value * 1000);
    if (ms / 1000 === n.value || Math.abs(ms / 1000 - n.value) < 1e-9) {
      return ms < 0 ? `-${formatDuration(-ms)}` : formatDuration(ms);
    }
  }
  return formatNumber(n.value);
}

export function formatDurationNode(d: DurationNode): string {
  if (d.kind === 'NumberLiteral') return formatNumberLiteral(d);
  switch (d.op) {
    case 'step':
    case 'range':
      return `${d.op}()`;
    case '()':
      return `(${formatDurationNode(d.rhs!)})`;
    case 'min_of':
    case 'max_of':
      return `${d.op}(${formatDurationNode(d.lhs!)}, ${formatDurationNode(d.rhs!)})`;
    default:
      if (!d.lhs) return `${d.op}${formatDurationNode(d.rhs!)}`;
      return `${formatDurationNode(d.lhs)} ${d.op} ${formatDurationNode(d.rhs!)}`;
  }
}

function quoteLabelIfNeeded(name: string, legacy: RegExp): string {
  return legacy.test(name) ? name : goQuote(name);
}

function joinLabels(labels: readonly string[]): string {
  return labels.map((l) => quoteLabelIfNeeded(l, LEGACY_NAME)).join(', ');
}

export function formatMatcher(m: Matcher): string {
  return `${quoteLabelIfNeeded(m.name, LEGACY_LABEL)}${m.type}${goQuote(m.value)}`;
}

function selectorText(vs: VectorSelector): string {
  let quotedName: string | undefined;
  const labels: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === '__name__' && m.type === '=' && m.value !== '') {
      if (m.value === vs.name) continue;
      // A name that needs quoting is written first inside the braces: {"my.metric", a="b"}.
      if (vs.name === '' && quotedName === undefined && !LEGACY_NAME.test(m.value)) {
        quotedName = goQuote(m.value);
        continue;
      }
    }
    labels.push(formatMatcher(m));
  }
  labels.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (quotedName !== undefined) labels.unshift(quotedName);
  if (labels.length === 0) return vs.name;
  return `${vs.name}{${labels.join(',')}}`;
}

function atAndOffset(n: VectorSelector | SubqueryExpr): string {
  let s = '';
  if (n.timestamp !== undefined) s += ` @ ${(n.timestamp / 1000).toFixed(3)}`;
  else if (n.atMarker) s += ` @ ${n.atMarker}()`;
  if (n.offsetExpr) s += ` offset ${formatDurationNode(n.offsetExpr)}`;
  else if (n.offset > 0) s += ` offset ${formatDuration(n.offset)}`;
  else if (n.offset < 0) s += ` offset -${formatDuration(-n.offset)}`;
  return s;
}

function rangeModifiers(vs: VectorSelector): string {
  return (vs.anchored ? ' anchored' : '') + (vs.smoothed ? ' smoothed' : '');
}

function subquerySuffix(e: SubqueryExpr): string {
  const range = e.rangeExpr ? formatDurationNode(e.rangeExpr) : formatDuration(e.range);
  const step = e.stepExpr ? formatDurationNode(e.stepExpr) : e.step !== 0 ? formatDuration(e.step) : '';
  return `[${range}:${step}]${atAndOffset(e)}`;
}

function matchingText(m: VectorMatching | null): string {
  if (!m) return '';
  let s = '';
  const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
  if (m.labels.length > 0 || m.on || grouped) {
    s = ` ${m.on ? 'on' : 'ignoring'} (${joinLabels(m.labels)})`;
    if (grouped) s += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${joinLabels(m.include)})`;
  }
  const same = m.fillLeft !== undefined && m.fillRight !== undefined && Object.is(m.fillLeft, m.fillRight);
  if (same) s += ` fill(${formatNumber(m.fillLeft!)})`;
  else {
    if (m.fillLeft !== undefined) s += ` fill_left(${formatNumber(m.fillLeft)})`;
    if (m.fillRight !== undefined) s += ` fill_right(${formatNumber(m.fillRight)})`;
  }
  return s;
}

/** Lines longer than this are split by prettyExpr (Prometheus's limit). */
const MAX_LINE = 100;

const indent = (level: number) => '  '.repeat(level);

/**
 * Prometheus's pretty form (what `/api/v1/format_query` returns): an
 * expression that fits in 100 characters stays on one line; a longer one is
 * split, its operands, arguments and aggregated expression each indented on
 * lines of their own.
 */
export function prettyExpr(e: Expr, level = 0): string {
  const flat = formatExpr(e);
  if (flat.length <= MAX_LINE) return indent(level) + flat;
  switch (e.kind) {
    case 'AggregateExpr': {
      let s = `${indent(level)}${e.op}`;
      if (e.without) s += ` without (${joinLabels(e.grouping)}) `;
      else if (e.grouping.length > 0) s += ` by (${joinLabels(e.grouping)}) `;
      s += '(\n';
      if (e.param) s += `${prettyExpr(e.param, level + 1)},\n`;
      return `${s}${prettyExpr(e.expr, level + 1)}\n${indent(level)})`;
    }
    case 'BinaryExpr': {
      const bool = e.returnBool ? ' bool' : '';
      return `${prettyExpr(e.lhs, level + 1)}\n${indent(level)}${e.op}${bool}${matchingText(e.matching)}\n${prettyExpr(e.rhs, level + 1)}`;
    }
    case 'Call':
      return `${indent(level)}${e.func.name}(\n${e.args.map((a) => prettyExpr(a, level + 1)).join(',\n')}\n${indent(level)})`;
    case 'ParenExpr':
      return `${indent(level)}(\n${prettyExpr(e.expr, level + 1)}\n${indent(level)})`;
    case 'SubqueryExpr':
      return prettyExpr(e.expr, level) + subquerySuffix(e);
    case 'UnaryExpr':
      return `${indent(level)}${e.op}${prettyExpr(e.expr, level).trim()}`;
    default:
      return indent(level) + flat;
  }
}
