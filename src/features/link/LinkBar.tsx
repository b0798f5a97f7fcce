import { useState } from 'react';
import { get } from '../../state/store';
import { download, jsonBlob } from '../export/download';
import { reportBundle } from '../export/report';

/** Copy the permalink; download the report bundle. */
export function LinkBar() {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      window.prompt('Copy this link', location.href);
    }
  };
  return (
    <span className="linkbar">
      <button type="button" data-testid="copy-link" onClick={() => void copy()}>{copied ? 'Copied ✓' : 'Copy link'}</button>
      <button type="button" data-testid="export-report" onClick={() => download('strata-report.json', jsonBlob(reportBundle(get())))}>Report</button>
    </span>
  );
}
