/**
 * Headless Chromium (Debian's, driven by playwright-core) for the page tests: a browser
 * with a fresh profile that the tests start and stop themselves, pages opened from disk,
 * and every console error, page error and network request recorded.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Where the page tests leave their pages and screenshots to look at (ignored by git). */
export const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url))

export interface Browser {
  /** Writes `html` to the output folder as `name` and opens it from disk (file://). */
  open(name: string, html: string, viewport?: { width: number; height: number }): Promise<OpenPage>
  /** Closes the pages opened so far. */
  closePages(): Promise<void>
  close(): Promise<void>
}

export interface OpenPage {
  readonly page: Page
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[]
  /** Every URL the page asked for, but its own file. */
  readonly requests: string[]
  /** Saves a PNG of the page in the output folder. */
  screenshot(name: string): Promise<string>
}

export async function startBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'vpcflow-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
  await mkdir(OUTPUT, { recursive: true })
  const pages = new Set<Page>()
  return {
    async open(name, html, viewport = { width: 1400, height: 900 }) {
      const file = join(OUTPUT, name)
      await writeFile(file, html)
      const page = await context.newPage()
      pages.add(page)
      await page.setViewportSize(viewport)
      const errors: string[] = []
      const requests: string[] = []
      const url = pathToFileURL(file).href
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      page.on('pageerror', (error) => errors.push(String(error)))
      page.on('request', (request) => {
        if (request.url() !== url) requests.push(request.url())
      })
      await page.goto(url, { waitUntil: 'load' })
      return {
        page,
        errors,
        requests,
        async screenshot(shot) {
          const path = join(OUTPUT, shot)
          await page.screenshot({ path })
          return path
        },
      }
    },
    async closePages() {
      for (const page of pages) await page.close()
      pages.clear()
    },
    async close() {
      try {
        await context.close()
      } finally {
        await rm(profile, { recursive: true, force: true })
      }
    },
  }
}
