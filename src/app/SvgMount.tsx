import { useEffect, useRef } from 'react';

/** Mounts an SVG element built by a chart function (charts return SVG; React only places it). */
export function SvgMount({ svg, testId, className }: { svg: SVGSVGElement | null; testId?: string; className?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.replaceChildren(...(svg ? [svg] : []));
  }, [svg]);
  return <div ref={ref} data-testid={testId} className={className} />;
}
