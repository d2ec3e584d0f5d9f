import "server-only";
// The browser tier's settings, read on the server and handed to the page, so one
// image serves every environment: locally every page view is traced, on AWS the
// task definition sets the share (Terraform's browser_traces_sample_ratio).

/** The share of page views whose browser spans are recorded, 0–1 (BROWSER_TRACES_SAMPLE_RATIO, default 1). */
export function browserSampleRatio(): number {
  const raw = process.env.BROWSER_TRACES_SAMPLE_RATIO ?? "1";
  const ratio = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new Error(`BROWSER_TRACES_SAMPLE_RATIO must be a number from 0 to 1, not "${raw}"`);
  }
  return ratio;
}
