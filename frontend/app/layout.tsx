// The root layout: one calm column, the Geist font from the `geist` package
// (never next/font/google, which downloads at build time).
import type { Metadata, Viewport } from "next";
import { GeistSans } from "geist/font/sans";
import { BrowserTelemetry } from "@/components/browser-telemetry";
import { browserSampleRatio } from "@/lib/telemetry/browser-config";
import "./globals.css";

export const metadata: Metadata = {
  title: "ToDo · ECS OpenTelemetry",
  description: "A small todo list, observed end to end with OpenTelemetry on AWS ECS.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#f5f5f4" };

/** Wraps every page in the document shell. */
export default function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  return (
    <html lang="en" className={GeistSans.variable}>
      <body className="min-h-dvh bg-stone-100 font-sans text-stone-800 antialiased">
        {children}
        <BrowserTelemetry sampleRatio={browserSampleRatio()} />
      </body>
    </html>
  );
}
