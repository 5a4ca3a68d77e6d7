// Observable Framework configuration for the runlens site.
// The build must work offline: no CDN imports, no Google Fonts (globalStylesheets: []).
export default {
  title: "runlens",
  root: "src",
  output: "dist",
  pages: [
    {name: "Overview", path: "/"},
    {name: "Curves", path: "/curves"}
  ],
  globalStylesheets: [],
  head: '<link rel="icon" href="data:,">',
  footer: "Built with runlens from the local Parquet workspace.",
  toc: false,
  search: false,
  cleanUrls: false
};
