import { describe, it, expect, beforeAll } from 'vitest';
import { createRequire } from 'node:module';
import { Parser, Language, type Node } from 'web-tree-sitter';
import { bladeToShadowPhp } from '../../src/lang/blade.js';

const require = createRequire(import.meta.url);
let parser: Parser;

beforeAll(async () => {
  await Parser.init();
  const lang = await Language.load(require.resolve('tree-sitter-php/tree-sitter-php_only.wasm'));
  parser = new Parser();
  parser.setLanguage(lang);
});

interface Parsed {
  problems: string[];
  envCalls: { index: number; row: number; column: number }[];
}

/** Parses a shadow and reports ERROR/MISSING nodes and every `env(...)` call. */
function parseShadow(shadow: string): Parsed {
  const tree = parser.parse(shadow);
  if (!tree) throw new Error('no tree');
  const result: Parsed = { problems: [], envCalls: [] };
  const walk = (node: Node): void => {
    if (node.type === 'ERROR' || node.isMissing) result.problems.push(`${node.type}@${node.startIndex}`);
    if (node.type === 'function_call_expression' && node.childForFieldName('function')?.text === 'env') {
      const { row, column } = node.startPosition;
      result.envCalls.push({ index: node.startIndex, row, column });
    }
    for (const child of node.children) if (child) walk(child);
  };
  walk(tree.rootNode);
  tree.delete();
  return result;
}

/** Where `needle` sits in the template, as a tree-sitter position (0-based row, UTF-16 column). */
function positionOf(template: string, needle: string): { index: number; row: number; column: number } {
  const index = template.indexOf(needle);
  if (index < 0 || template.indexOf(needle, index + 1) >= 0) throw new Error(`needle must be unique: ${needle}`);
  const before = template.slice(0, index);
  return { index, row: before.split('\n').length - 1, column: index - (before.lastIndexOf('\n') + 1) };
}

function expectSameShape(template: string, shadow: string): void {
  expect(shadow.length).toBe(template.length);
  for (let i = 0; i < template.length; i++) {
    const isBreak = template[i] === '\n' || template[i] === '\r';
    if (isBreak || shadow[i] === '\n' || shadow[i] === '\r') expect([i, shadow[i]]).toEqual([i, template[i]]);
  }
}

const TEMPLATE = [
  '@extends(\'layouts.app\')',
  '{{-- Nothing in here is PHP: {{ env(\'IN_COMMENT\') }} --}}',
  '@section(\'content\')',
  '<style>',
  '  @media (max-width: 600px) { .a { color: {{ env(\'STYLE_COLOR\') }}; } }',
  '  @font-face { font-family: "X"; }',
  '  @import url("x.css");',
  '</style>',
  '<h1>{{ env(\'APP_NAME\') }}</h1>',
  '<p>Café 😀 — {!! env(\'RAW_HTML\') !!}</p>',
  '<p>Write to admin@example.com or see env(\'NOT_PHP\') in the docs.</p>',
  '<p>Vue-style @{{ env(\'ESCAPED\') }} and @@if(env(\'AT_AT\')) stay literal.</p>',
  '@verbatim',
  '  <div>{{ env(\'VERBATIM\') }}</div>',
  '@endverbatim',
  '@php',
  '  $debug = env(\'PHP_BLOCK\', false);',
  '  $items = [1, 2];',
  '@endphp',
  '@php($inline = env(\'PHP_INLINE\'))',
  '@if(env(\'IF_COND\') && $debug)',
  '  <span>{{ $user->name }}</span>',
  '@elseif ($items)',
  '  <span>none</span>',
  '@else',
  '@endif',
  '@foreach (env(\'LOOP\', []) as $key => $value)',
  '  <li>{{ $key }}: {{',
  '      env(\'MULTILINE\')',
  '  }}</li>',
  '@endforeach',
  '@for($i = 0; $i < 3; $i++) {{ $i }} @endfor',
  '@forelse($items as $item) {{ $item }} @empty none @endforelse',
  '@switch($i)',
  '  @case(1) one @break',
  '  @default other',
  '@endswitch',
  '@isset($user) yes @endisset',
  '@unless($debug) quiet @endunless',
  '@env(\'local\') local only @endenv',
  '@include(\'partials.nav\', [\'url\' => env(\'NAV_URL\'), \'label\' => "a)b"])',
  '<?php $tag = env(\'PHP_TAG\'); ?>',
  '<?= env(\'SHORT_ECHO\') ?>',
  '<x-alert type="error" :message="env(\'ATTR\')" ::class="{ open: true }" :$user @click="go()" />',
  '<a href="{{ env(\'HREF\') }}" @selected($debug)>@csrf</a>',
  '@json($items)',
  '@endsection',
  '',
].join('\n');

const EXPECTED_ENV = [
  "env('STYLE_COLOR')", "env('APP_NAME')", "env('RAW_HTML')", "env('PHP_BLOCK'", "env('PHP_INLINE')",
  "env('IF_COND')", "env('LOOP'", "env('MULTILINE')", "env('NAV_URL')", "env('PHP_TAG')", "env('SHORT_ECHO')",
  "env('ATTR')", "env('HREF')",
];

describe('bladeToShadowPhp', () => {
  it('keeps the length and every line break', () => {
    const template = 'a\r\n{{ $x }}\r\n@if($y)\n\n{{-- c\r\n --}}\n';
    const { shadow } = bladeToShadowPhp(template);
    expectSameShape(template, shadow);
    expect(shadow.split('\n').length).toBe(template.split('\n').length);
  });

  it('writes echoes as parenthesised expression statements', () => {
    expect(bladeToShadowPhp("{{ env('A') }}").shadow).toBe(";( env('A') );");
    expect(bladeToShadowPhp('{!! $a !!}').shadow).toBe(';(  $a  );');
    expect(bladeToShadowPhp('{{{ $a }}}').shadow).toBe(';(  $a  );');
    expect(bladeToShadowPhp('<p>{{-- x --}}</p>').shadow).toBe(' '.repeat(18));
  });

  it('neutralises non-control directives and keeps keywords for control ones', () => {
    expect(bladeToShadowPhp("@env('local') x").shadow).toBe(";___('local'); ");
    expect(bladeToShadowPhp('@if($a) @endif').shadow).toBe(';if($a);      ');
    expect(bladeToShadowPhp('@forelse($a as $b)\n x').shadow).toBe(';foreach($a as $b)\n; ');
  });

  it('reports one region per PHP construct', () => {
    const template =
      '{{ $a }}{!! $b !!}@if($c) @endif @php $d = 1; @endphp @php($i = 2) <?php $e; ?> <?= $j ?> <x-a :f="$g" /> @json($h)\n';
    const { regions } = bladeToShadowPhp(template);
    expect(regions.map((r) => [r.kind, r.name, template.slice(r.start, r.end)])).toEqual([
      ['echo', undefined, '{{ $a }}'],
      ['raw-echo', undefined, '{!! $b !!}'],
      ['directive', 'if', '@if($c)'],
      ['php-block', undefined, '@php $d = 1; @endphp'],
      ['php-block', undefined, '@php($i = 2)'],
      ['php-tag', undefined, '<?php $e; ?>'],
      ['php-tag', undefined, '<?= $j ?>'],
      ['attr', 'f', ':f="$g"'],
      ['directive', 'json', '@json($h)'],
    ]);
  });

  it.each([
    ['LF', TEMPLATE],
    ['CRLF', TEMPLATE.replace(/\n/g, '\r\n')],
  ])('parses a realistic %s template without errors and finds exactly the real env() calls', (_eol, template) => {
    const { shadow } = bladeToShadowPhp(template);
    expectSameShape(template, shadow);
    const parsed = parseShadow(shadow);
    expect(parsed.problems).toEqual([]);
    const expected = EXPECTED_ENV.map((needle) => positionOf(template, needle)).sort((a, b) => a.index - b.index);
    expect(parsed.envCalls).toEqual(expected);
  });

  it('keeps CSS at-rules and e-mail addresses out of the PHP', () => {
    const { regions } = bladeToShadowPhp('<style>@media (x) {} @supports (display: grid) {}</style> a@include(\'x\')\n');
    expect(regions).toEqual([]);
  });

  it('keeps UTF-16 offsets after multibyte characters', () => {
    const template = "<p>é😀 naïve 🎉🎉</p>{{ env('A') }}\n<b>ü</b> @if(env('B')) ü @endif\n";
    const parsed = parseShadow(bladeToShadowPhp(template).shadow);
    expect(parsed.problems).toEqual([]);
    expect(parsed.envCalls).toEqual([positionOf(template, "env('A')"), positionOf(template, "env('B')")]);
  });

  it('skips a ) inside a quoted directive argument', () => {
    const template = "@include('a)b', ['k' => env('K'), 'q' => \"(\\\")\"])\nafter";
    const { shadow, regions } = bladeToShadowPhp(template);
    expect(regions).toHaveLength(1);
    expect(template.slice(regions[0].start, regions[0].end)).toBe(template.split('\n')[0]);
    const parsed = parseShadow(shadow);
    expect(parsed.problems).toEqual([]);
    expect(parsed.envCalls).toEqual([positionOf(template, "env('K')")]);
  });

  describe('unterminated constructs', () => {
    const cases: [string, string][] = [
      ['echo', "{{ env('A') }} <p>{{ $oops"],
      ['raw echo', "{{ env('A') }} {!! $oops"],
      ['comment', "{{ env('A') }} {{-- never closed"],
      ['@php block', "{{ env('A') }}\n@php $a = 1;\n<p>x</p>"],
      ['@verbatim', "{{ env('A') }} @verbatim <p>"],
      ['directive paren', "{{ env('A') }} @include('x', ["],
      ['directive string', "{{ env('A') }} @include('x)"],
      ['escaped echo', "{{ env('A') }} @{{ $x"],
      ['component attr', "{{ env('A') }} <x-a :b=\"$c"],
      ['short echo tag', "{{ env('A') }} <?= $x"],
    ];
    it.each(cases)('%s never throws and keeps the earlier PHP', (_label, template) => {
      const { shadow } = bladeToShadowPhp(template);
      expectSameShape(template, shadow);
      const parsed = parseShadow(shadow);
      expect(parsed.problems).toEqual([]);
      expect(parsed.envCalls).toEqual([positionOf(template, "env('A')")]);
    });

    it('keeps a directive that ends the file, at the cost of a MISSING `;` there', () => {
      const template = "@include('footer', ['k' => env('A')])\n";
      const parsed = parseShadow(bladeToShadowPhp(template).shadow);
      expect(parsed.problems).toEqual([`;@${template.length - 1}`]);
      expect(parsed.envCalls).toEqual([positionOf(template, "env('A')")]);
    });

    it('treats an unclosed <?php tag as PHP up to the end of the file', () => {
      const template = "<p>x</p>\n<?php\n$a = env('TAIL');\n";
      const { shadow, regions } = bladeToShadowPhp(template);
      expect(regions).toEqual([{ kind: 'php-tag', start: 9, end: template.length }]);
      expect(parseShadow(shadow).envCalls).toEqual([positionOf(template, "env('TAIL')")]);
    });

    it('does not close a PHP tag at a `?>` inside a string or a block comment', () => {
      const template = "<?=\n/* not `<? ... ?>` */\n'<?xml version=\"1.0\"?>' . env('FEED')\n?>\n<feed>\n";
      const { shadow, regions } = bladeToShadowPhp(template);
      expect(regions).toEqual([{ kind: 'php-tag', start: 0, end: template.indexOf('?>\n<feed>') + 2 }]);
      const parsed = parseShadow(shadow);
      expect(parsed.problems).toEqual([]);
      expect(parsed.envCalls).toEqual([positionOf(template, "env('FEED')")]);
    });

    it('blanks empty echoes instead of emitting `()`', () => {
      const { shadow, regions } = bladeToShadowPhp('{{ }} {!!!!} <?= ?>');
      expect(shadow.trim()).toBe('');
      expect(regions).toEqual([]);
    });
  });
});
