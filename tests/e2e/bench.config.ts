// Benchmarks in the browser (not tests: they assert nothing about time). Run by
// scripts/bench.sh; results go in BENCHMARKS.md.
import base from "./playwright.config";
import { defineConfig } from "@playwright/test";

export default defineConfig({ ...base, testMatch: "*.bench.ts", timeout: 300_000 });
