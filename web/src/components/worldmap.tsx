// A world choropleth of report counts by country (ISO 3166 alpha-2), drawn with d3-geo from the
// Natural Earth 1:110m TopoJSON of npm world-atlas (fetched once from the application's assets).
// Each country with reports is a link; a table beside it gives the same figures as text.
import { geoNaturalEarth1, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import countries from 'i18n-iso-countries';
import type { FeatureCollection, Geometry } from 'geojson';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { countryName, fmtNumber, t, tn } from '../i18n';

declare const LAPIS_WORLD_ATLAS_URL: string;

type World = FeatureCollection<Geometry, { name: string }>;
let worldPromise: Promise<World> | null = null;

export function loadWorld(): Promise<World> {
  worldPromise ??= fetch(LAPIS_WORLD_ATLAS_URL)
    .then((r) => r.json())
    .then((topo) => feature(topo, topo.objects.countries) as unknown as World);
  return worldPromise;
}

const WIDTH = 960, HEIGHT = 500;
// Light to dark blue; a count's shade follows its logarithm.
const SHADES = ['#dbe7f6', '#b3cdec', '#7faadc', '#4f86c6', '#2a63a8', '#15457f', '#0b2d59'];

export function shade(count: number, max: number): string {
  if (count <= 0 || max <= 0) return '#eceff3';
  const f = Math.log1p(count) / Math.log1p(max);
  return SHADES[Math.min(SHADES.length - 1, Math.floor(f * (SHADES.length - 1) + 0.0001))];
}

// `hrefFor` makes each country with reports a link; without it they are only shaded. `describe`
// words a country's figure (by default its count of reports); `legend` false leaves out the scale
// (for counts that are only presence).
export function WorldMap({ counts, hrefFor, label, describe, legend = true }: {
  counts: Map<string, number>;
  hrefFor?: (code: string) => string;
  label: string;
  describe?: (code: string, n: number) => string;
  legend?: boolean;
}) {
  const [world, setWorld] = useState<World | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    loadWorld().then(setWorld, (e) => setErr(String(e)));
  }, []);
  const path = useMemo(() => {
    const projection = geoNaturalEarth1().fitSize([WIDTH, HEIGHT], { type: 'Sphere' } as any);
    return geoPath(projection);
  }, []);
  const max = Math.max(0, ...counts.values());
  if (err) return <p class="error">{err}</p>;
  return (
    <figure class="map">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={label} data-testid="world-map">
        <path d={path({ type: 'Sphere' } as any) ?? ''} class="sphere" aria-hidden="true" />
        {world?.features.map((f) => {
          const code = f.id !== undefined ? countries.numericToAlpha2(String(f.id)) : undefined;
          const n = code ? counts.get(code) ?? 0 : 0;
          const d = path(f) ?? '';
          if (!code || n === 0) return <path d={d} fill={shade(0, max)} class="country-shape" aria-hidden="true" />;
          const text = describe ? describe(code, n) : `${countryName(code)}: ${tn('count.reports', n)}`;
          const shape = <path d={d} fill={shade(n, max)} class="country-shape has-reports"><title>{text}</title></path>;
          if (!hrefFor) return <g role="img" aria-label={text} data-country={code}>{shape}</g>;
          return <a href={hrefFor(code)} aria-label={text} data-country={code}>{shape}</a>;
        })}
      </svg>
      {legend && <figcaption class="legend small">
        <span>{t('map.fewer')}</span>
        {SHADES.map((c) => <span class="swatch" style={{ background: c }} aria-hidden="true" />)}
        <span>{t('map.more')}</span>
        <span class="muted"> · {t('map.max', { n: fmtNumber(max) })}</span>
      </figcaption>}
    </figure>
  );
}
