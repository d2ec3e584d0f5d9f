// Tailwind CSS v4 runs as a PostCSS plugin during `next build`.
const config = { plugins: { "@tailwindcss/postcss": {} } };
export default config;
