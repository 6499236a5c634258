// The workshop, step by step, in a real VS Code (code-server) with the packaged extension, driven the
// way a person does it: the palette, QuickPicks and InputBoxes, the Workloads tree and its context menu,
// modal dialogs, IntelliSense, the Problems panel, webview panels and notifications. Every step asserts
// on what the workbench shows and leaves a screenshot in test-results/e2e/.
//
// The steps share one workbench and run in order: each builds on the one before (Sock Shop must be
// deployed before a pod can be killed or metrics can show it), in the workshop's order: the DOKS cluster
// with the Monitoring Stack first (in the lab, as on DigitalOcean, the 1-click is what puts Prometheus into
// the cluster), then Sock Shop, then observing, load and chaos.
import { strict as assert } from 'node:assert';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { playground } from './hooks.ts';
import { extensionLogs, Workbench } from './workbench.ts';

const NS = 'sock-shop';
/** The Grafana password step 8b sets (and the last step looks for in every file). */
const GRAFANA_PASSWORD = `e2e-grafana-${Math.random().toString(36).slice(2, 12)}`;

describe('e2e: the workshop in VS Code', function () {
  let wb: Workbench;
  let frontEnd: FrontEnd | undefined;
  /** The DOKS cluster step 1 creates and step 10 destroys. */
  let clusterName = '';

  before(async function () {
    wb = await Workbench.open(playground().url);
    // The walkthrough first, as VS Code shows it after an install: its steps tick as the workshop goes
    // (VS Code's walkthrough service sees context keys change only while it exists, and this harness
    // starts with startupEditor "none", which leaves it unloaded until a walkthrough is opened).
    await wb.runCommand('Welcome: Open Walkthrough...');
    await wb.pickQuickItem('Microservices, Observability and Chaos');
    await wb.page.locator('.getting-started-step').first().waitFor({ timeout: 30_000 });
    await wb.runCommand('View: Close All Editors');
    await wb.openSockShopView();
    await wb.setSideBarWidth(480);
    // The Workloads tree gets the whole side bar: Sock Shop has more rows than fit otherwise.
    await wb.setPaneExpanded('DigitalOcean', false);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const name = `FAILED-${(this.currentTest.title || 'step').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
    await wb?.screenshot(name).catch(() => undefined);
    process.stderr.write(`\n[e2e] extension logs after "${this.currentTest.title}":\n${extensionLogs(playground().userDataDir)}\n`);
  });

  after(async function () {
    await frontEnd?.close();
    await wb?.close();
  });

  it('1. sign in to DigitalOcean and create a DOKS cluster with the Monitoring Stack → the DigitalOcean view shows it running', async function () {
    this.timeout(240_000);
    const token = playground().doToken;
    assert.ok(token, 'the lab DigitalOcean API has a token');
    await wb.setPaneExpanded('DigitalOcean', true);
    await wb.runCommand('Sock Shop: Sign in to DigitalOcean');
    const signIn = await wb.waitQuickInput('Sign in to DigitalOcean');
    assert.equal(await signIn.locator('.quick-input-box input').getAttribute('type'), 'password', 'the token InputBox hides what is typed');
    await wb.answer('Sign in to DigitalOcean', token);
    await wb.waitNotification(/Signed in to DigitalOcean as/, 60_000);
    await wb.screenshot('1a-do-signed-in');

    const name = `e2e-${Date.now().toString(36)}`;
    clusterName = name;
    await wb.runCommand('Sock Shop: Create DOKS Cluster');
    await wb.answer('Create DOKS Cluster (1/7)', name, 90_000);
    await wb.answer('Create DOKS Cluster (2/7)'); // sgp1, the workshop's region, offered first
    await wb.answer('Create DOKS Cluster (3/7)'); // latest version first
    await wb.answer('Create DOKS Cluster (4/7)'); // s-1vcpu-2gb first
    await wb.answer('Create DOKS Cluster (5/7)'); // 2 nodes
    await wb.choose('Create DOKS Cluster (6/7)', 'Install the Monitoring Stack');
    await wb.choose('Create DOKS Cluster (7/7)', /^\s*Merge into/);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const confirm = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(confirm, new RegExp(`Create DOKS cluster "${name}" in sgp1\\?`));
    assert.match(confirm, /2 × s-1vcpu-2gb, Monitoring Stack/);
    assert.match(confirm, /Estimated cost: ~?\$\d/);
    await wb.screenshot('1b-do-create-confirm');
    await wb.clickDialogButton('Create');

    const row = wb.paneRow('DigitalOcean', new RegExp(`${name}.*provisioning`));
    await row.waitFor({ timeout: 60_000 }).then(
      () => wb.screenshot('1c-do-provisioning'),
      () => undefined, // the lab may provision faster than the view polls
    );
    await wb.paneRow('DigitalOcean', new RegExp(`${name}.*running · sgp1`)).waitFor({ timeout: 120_000 });
    await wb.waitNotification(new RegExp(`Cluster "${name}" is running`), 120_000);
    await expandRow(wb.paneRowByLabel('DigitalOcean', new RegExp(`^${name}$`)));
    await wb.paneRow('DigitalOcean', /2 × s-1vcpu-2gb · 2\/2 nodes running/).waitFor({ timeout: 60_000 });
    await wb.screenshot('1d-do-cluster-running');
    // The Workloads view now uses the new cluster's context.
    await wb.setPaneExpanded('Workloads', true);
    await wb.paneRow('Workloads', new RegExp(`do-sgp1-${name}`)).waitFor({ timeout: 60_000 });
    await wb.setPaneExpanded('DigitalOcean', false);
  });
  it('2. "Sock Shop: Deploy" with the defaults → the Workloads tree shows the deployments ready', async function () {
    this.timeout(240_000);
    await wb.runCommand('Sock Shop: Deploy');
    // A kubeconfig with more than one context asks which; the lab's active one is offered first.
    const first = await Promise.race([
      wb.waitQuickInput('Deploy Sock Shop: Kubernetes context').then(() => 'context' as const, () => 'none' as const),
      wb.waitQuickInput('Deploy Sock Shop: namespace').then(() => 'namespace' as const, () => 'none' as const),
    ]);
    if (first === 'context') await wb.answer('Deploy Sock Shop: Kubernetes context');
    await wb.waitQuickInput('Deploy Sock Shop: namespace');
    const value = await wb.quickInput().locator('.quick-input-box input').inputValue();
    assert.equal(value, NS, 'the namespace InputBox offers the sockShop.namespace setting');
    await wb.screenshot('2a-deploy-namespace');
    await wb.answer('Deploy Sock Shop: namespace');
    await wb.waitQuickInput('Deploy Sock Shop: profile');
    await wb.quickInput().locator('.quick-input-list .monaco-list-row', { hasText: 'front-end behind a load balancer' }).first().waitFor();
    await wb.screenshot('2b-deploy-profile');
    await wb.answer('Deploy Sock Shop: profile');

    const progress = await wb.waitNotification(/Deploying Sock Shop to sock-shop/, 60_000).catch(() => '');
    if (progress) await wb.screenshot('2c-deploy-progress');
    const done = await wb.waitNotification(/Sock Shop (is deployed to|in) sock-shop.*deployments are available/, 180_000);
    assert.match(done, /all \d+ deployments are available/);
    await wb.screenshot('2d-deploy-done');

    // The tree: the front-end Deployment at 4/4 (the default profile's four front-ends), every pod ready.
    await expandRow(wb.paneRowByLabel('Workloads', new RegExp(`^${NS}$`)));
    await wb.paneRow('Workloads', /front-end\s*4\/4/).waitFor({ timeout: 120_000 });
    const nsRow = wb.paneRowByLabel('Workloads', new RegExp(`^${NS}$`));
    await waitUntil(async () => {
      const m = /(\d+)\/(\d+) pods ready/.exec(await nsRow.innerText());
      return !!m && m[1] === m[2] && Number(m[2]) >= 14;
    }, 120_000, async () => `namespace row: ${await nsRow.innerText()}`);
    const labels = await wb.paneLabels('Workloads');
    for (const d of ['carts', 'catalogue', 'front-end', 'orders', 'payment', 'shipping', 'user']) {
      assert.ok(labels.includes(d), `the Workloads tree lacks deployment ${d}: ${labels.join(', ')}`);
    }
    await wb.screenshot('2e-workloads-deployed');
  });

  it('3. right-click a front-end pod → "Kill pod" → confirm → the pod leaves the tree and a replacement appears', async function () {
    this.timeout(180_000);
    // Fold the Deployments group so the Pods rows are on screen.
    const deployments = wb.paneRowByLabel('Workloads', /^Deployments$/);
    if ((await deployments.getAttribute('aria-expanded')) === 'true') await deployments.click();
    const frontEndPods = async () => (await wb.paneLabels('Workloads')).filter((l) => /^front-end-[a-z0-9]+-[a-z0-9]+$/.test(l));
    await waitUntil(async () => (await frontEndPods()).length === 4, 60_000, async () => `front-end pods: ${await frontEndPods()}`);
    const before = await frontEndPods();
    const victim = before[0];
    const row = wb.paneRowByLabel('Workloads', new RegExp(`^${victim}$`));
    await wb.contextMenu(row, 'Kill pod');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    // The confirmation names the pod, its namespace and the kubeconfig context it is about to hit.
    const killText = await dialog.innerText();
    assert.match(killText, new RegExp(`Kill pod "${victim}" in namespace "${NS}" of context "[^"]+"\\?`));
    // The blast radius: the front-end Service goes from 4 ready endpoints to 3.
    assert.match(killText, /Service front-end: 4 → 3 ready endpoints\./);
    await wb.screenshot('3a-kill-pod-confirm');
    await wb.clickDialogButton('Kill pod');

    await waitUntil(async () => {
      const now = await frontEndPods();
      return !now.includes(victim) && now.some((p) => !before.includes(p));
    }, 120_000, async () => `front-end pods: before ${before.join(', ')}; now ${(await frontEndPods()).join(', ')}`);
    const after = await frontEndPods();
    const replacement = after.find((p) => !before.includes(p))!;
    await wb.paneRow('Workloads', new RegExp(`${replacement}.*Running`)).waitFor({ timeout: 60_000 });
    await wb.screenshot('3b-kill-pod-replaced');
    if ((await deployments.getAttribute('aria-expanded')) === 'false') await deployments.click();
  });

  it('3c. the Events view shows the kill\'s aftermath: the ReplicaSet created the replacement', async function () {
    this.timeout(90_000);
    await wb.setPaneExpanded('Workloads', false);
    await wb.setPaneExpanded('Events', true);
    const row = wb.paneRow('Events', /SuccessfulCreate.*ReplicaSet\/front-end-/);
    await row.waitFor({ timeout: 60_000 });
    await wb.screenshot('3c-events-view');
    await wb.setPaneExpanded('Events', false);
    await wb.setPaneExpanded('Workloads', true);
  });

  /** Folds (or unfolds) a tree row of the Workloads view, e.g. a group, so what follows it is on screen. */
  const fold = async (label: RegExp, expanded: boolean) => {
    const row = wb.paneRowByLabel('Workloads', label);
    await row.waitFor({ timeout: 30_000 });
    if ((await row.getAttribute('aria-expanded')) === String(!expanded)) await row.click();
  };
  const frontEndPodRows = async () => (await wb.paneLabels('Workloads')).filter((l) => /^front-end-[a-z0-9]+-[a-z0-9]+$/.test(l));

  it('3d. right-click a front-end pod → "Kill Container" → SIGTERM → confirm → the same pod stays and counts a restart', async function () {
    this.timeout(120_000);
    await fold(/^Deployments$/, false);
    await waitUntil(async () => (await frontEndPodRows()).length === 4, 60_000, async () => `front-end pods: ${await frontEndPodRows()}`);
    // A pod that is up (the one step 3 created may still be starting).
    let victim = '';
    await waitUntil(async () => {
      for (const name of await frontEndPodRows()) {
        const text = await wb.paneRowByLabel('Workloads', new RegExp(`^${name}$`)).innerText();
        if (/Running\s*·\s*1\/1/.test(text) && !/restart/.test(text)) {
          victim = name;
          return true;
        }
      }
      return false;
    }, 60_000, async () => `front-end pods: ${await frontEndPodRows()}`);
    await wb.contextMenu(wb.paneRowByLabel('Workloads', new RegExp(`^${victim}$`)), 'Kill Container');
    await wb.choose(/^Kill Container front-end: signal$/, /^SIGTERM/);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const text = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Kill container "front-end" of pod "${victim}" in namespace "${NS}" of context "[^"]+"\\?`));
    assert.match(text, /No pod is deleted or replaced\./);
    await wb.screenshot('3d-kill-container-confirm');
    await wb.clickDialogButton('Kill container');
    // The same pod, its container restarted by the lab kubelet: the row counts it, and the pod is ready again.
    await wb.paneRow('Workloads', new RegExp(`${victim}.*1 restart`)).waitFor({ timeout: 60_000 });
    await wb.paneRow('Workloads', new RegExp(`${victim}.*Running\\s*·\\s*1/1\\s*·\\s*1 restart`)).waitFor({ timeout: 90_000 });
    assert.equal((await frontEndPodRows()).length, 4, 'no pod was added or removed');
    await wb.screenshot('3d-kill-container-restarted');
  });

  it('3e. the Nodes group lists the lab nodes with their CPU and memory (kubectl top nodes)', async function () {
    this.timeout(90_000);
    await fold(new RegExp(`^${NS}$`), false);
    await fold(/^Nodes$/, true);
    const nodeRow = wb.paneRow('Workloads', /lab-pool-\d+.*\d+m\s*·\s*[\d.]+(Mi|Gi)\s*·\s*\d+ pods? in sock-shop/);
    await nodeRow.waitFor({ timeout: 60_000 });
    const labels = (await wb.paneLabels('Workloads')).filter((l) => /^lab-pool-\d+$/.test(l));
    assert.ok(labels.length >= 2, `nodes: ${labels.join(', ')}`);
    await wb.screenshot('3e-nodes');
    await fold(/^Nodes$/, false);
    await fold(new RegExp(`^${NS}$`), true);
  });

  it('3f. Port-Forward the front-end Service from the tree: it answers on a local port, then Stop ends it', async function () {
    this.timeout(120_000);
    await fold(/^Pods$/, false);
    await fold(/^Services$/, true);
    await wb.contextMenu(wb.paneRowByLabel('Workloads', /^front-end$/), 'Port-Forward');
    await wb.answer(/^Port-Forward svc\/front-end:80: local port on 127\.0\.0\.1$/, '');
    const note = await wb.waitNotification(/Forwarding svc\/front-end:80 to http:\/\/127\.0\.0\.1:\d+/, 30_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(note)![1];
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200, `GET ${url}/`);
    assert.match(await res.text(), /<html|WeaveSocks|front-end/i);
    await wb.screenshot('3f-port-forward');
    await wb.notification(/Forwarding svc\/front-end/).locator('.monaco-button', { hasText: /^Stop$/ }).click();
    await waitUntil(async () => !(await fetch(`${url}/`).then(() => true, () => false)), 15_000, () => `${url} still answers after Stop`);
    await fold(/^Services$/, false);
    await fold(/^Pods$/, true);
  });

  it('3g. Show Deployment Logs on front-end: one stream with lines from several pods, each prefixed by its pod', async function () {
    this.timeout(120_000);
    await fold(/^Pods$/, false);
    await fold(/^Deployments$/, true);
    await wb.contextMenu(wb.paneRowByLabel('Workloads', /^front-end$/), 'Show Deployment Logs');
    await wb.choose(/^Logs of deployment front-end$/, /^Follow, last 100 lines of each pod$/);
    const output = async () => (await wb.page.locator('.part.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    const prefixes = async () => new Set([...(await output()).matchAll(/\[(front-end-[a-z0-9]+-[a-z0-9]+)\] /g)].map((m) => m[1]));
    await waitUntil(async () => (await prefixes()).size >= 2, 60_000, async () => `log output: ${(await output()).slice(0, 2000)}`);
    await wb.screenshot('3g-deployment-logs');
    await wb.runCommand('Sock Shop: Stop Following Logs');
    await fold(/^Deployments$/, false);
    await fold(/^Pods$/, true);
  });

  it('3h. Open Shell on a front-end pod: a shell in the terminal runs a command in the pod', async function () {
    this.timeout(120_000);
    await fold(/^Deployments$/, false);
    await fold(/^Pods$/, true);
    await waitUntil(async () => (await frontEndPodRows()).length > 0, 30_000, async () => `rows: ${await wb.paneLabels('Workloads')}`);
    const [pod] = await frontEndPodRows();
    await wb.contextMenu(wb.paneRowByLabel('Workloads', new RegExp(`^${pod}$`)), 'Open Shell');
    const term = wb.page.locator('.part.panel .terminal-wrapper.active .xterm-rows, .part.panel .xterm .xterm-rows').first();
    await term.waitFor({ timeout: 30_000 });
    await waitUntil(async () => (await term.innerText()).includes(`${NS}/${pod}`), 30_000, async () => `terminal: ${await term.innerText()}`);
    await wb.page.locator('.part.panel .xterm').first().click();
    await wb.page.keyboard.type('echo "shell-ok:$HOSTNAME"\n', { delay: 10 });
    await waitUntil(async () => (await term.innerText()).replace(/\u00a0/g, ' ').includes(`shell-ok:${pod}`), 30_000, async () => `terminal: ${await term.innerText()}`);
    await wb.screenshot('3h-open-shell');
    // exit ends the shell, and the terminal with it.
    await wb.page.keyboard.type('exit\n', { delay: 10 });
    await wb.page.locator('.part.panel .terminal-wrapper').first().waitFor({ state: 'detached', timeout: 20_000 }).catch(() => undefined);
    await fold(/^Deployments$/, true);
  });

  it('4. the kube-monkey snippet from IntelliSense in a YAML file; an invalid time_zone is diagnosed', async function () {
    this.timeout(180_000);
    await newYamlEditor(wb);
    await wb.page.keyboard.type('kube-monkey-labels');
    await wb.page.keyboard.press('Control+Space');
    const suggestion = wb.page.locator('.editor-widget.suggest-widget .monaco-list-row', { hasText: 'kube-monkey-labels' }).first();
    await suggestion.waitFor({ timeout: 30_000 });
    // The exact prefix is the best match: it is the focused suggestion.
    await wb.page.locator('.editor-widget.suggest-widget .monaco-list-row.focused', { hasText: 'kube-monkey-labels' }).waitFor({ timeout: 10_000 });
    await wb.screenshot('4a-snippet-intellisense');
    await wb.page.keyboard.press('Enter');
    await waitUntil(async () => (await wb.editorText()).includes('kube-monkey/enabled: enabled'), 15_000, () => wb.editorText());
    const inserted = await wb.editorText();
    for (const line of ['kube-monkey/enabled: enabled', 'kube-monkey/identifier: front-end', 'kube-monkey/kill-mode: fixed']) {
      assert.ok(inserted.includes(line), `the snippet did not insert "${line}":\n${inserted}`);
    }
    await wb.screenshot('4b-snippet-inserted');

    // A kube-monkey config with a time zone that is not an IANA name.
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Control+A');
    await wb.page.keyboard.press('Delete');
    await wb.paste(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: kube-monkey-config-map',
        '  namespace: kube-monkey',
        'data:',
        '  config.toml: |',
        '    [kubemonkey]',
        '    dry_run = true',
        '    run_hour = 8',
        '    start_hour = 10',
        '    end_hour = 16',
        '    time_zone = "Singapore/Singapore"',
        '    whitelisted_namespaces = ["sock-shop"]',
        '    blacklisted_namespaces = ["kube-system"]',
        '',
      ].join('\n'),
    );
    await wb.page.locator('.editor-instance .squiggly-error, .editor-instance .squiggly-warning').first().waitFor({ timeout: 30_000 });
    await wb.runCommand('View: Toggle Problems');
    const problem = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'Singapore/Singapore' }).first();
    await problem.waitFor({ timeout: 30_000 });
    const text = (await problem.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /not an IANA time zone/);
    assert.match(text, /Asia\/Singapore/, 'the diagnostic suggests the IANA name');
    await wb.screenshot('4c-time-zone-diagnostic');
    await wb.runCommand('View: Toggle Problems');

    // Ctrl+. on the problem offers the quick fix, which puts the suggested zone in place.
    await wb.page.locator('.editor-instance .view-lines').first().click();
    await wb.page.keyboard.press('Control+Home');
    await wb.runCommand('Go to Next Problem (Error, Warning, Info)');
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Control+.');
    const fix = wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Change time_zone to "Asia/Singapore"' }).first();
    await fix.waitFor({ timeout: 30_000 });
    await wb.screenshot('4d-time-zone-quick-fix');
    // The fix is the focused (preferred) action: Enter applies it (a click can land on the widget's pointer block).
    await wb.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Change time_zone to "Asia/Singapore"' }).waitFor({ timeout: 10_000 });
    await wb.page.keyboard.press('Enter');
    await waitUntil(async () => (await wb.editorText()).includes('time_zone = "Asia/Singapore"'), 15_000, () => wb.editorText());
    assert.ok(!(await wb.editorText()).includes('Singapore/Singapore'));
  });

  it('5. "Sock Shop: Open Metrics" → charts with data and the top-pods table (dark and light theme)', async function () {
    this.timeout(240_000);
    await wb.runCommand('Sock Shop: Open Metrics');
    const view = wb.webview();
    await view.locator('#title').waitFor({ timeout: 60_000 });
    // uPlot charts: a canvas per time series panel, each with its series in the legend.
    await view.locator('#grid .panel .uplot canvas').first().waitFor({ timeout: 120_000 });
    await waitUntil(async () => (await view.locator('#grid .legend-table .legend-name').count()) > 0, 120_000, async () =>
      `panels: ${(await view.locator('#grid').innerText()).slice(0, 1500)}`,
    );
    const values = (await view.locator('#grid .legend-table .legend-value').allInnerTexts()).filter((v) => /\d/.test(v));
    assert.ok(values.length > 0, 'no chart legend shows a current value');
    // The top-pods grid (metrics API): Sock Shop pods with CPU and memory.
    const top = view.locator('#top');
    await waitUntil(async () => /front-end-[a-z0-9]+-[a-z0-9]+/.test(await top.innerText()), 120_000, async () => `top: ${await top.innerText()}`);
    const topText = await top.innerText();
    assert.match(topText, /Top pods and nodes/);
    assert.match(topText, /\d+m/, 'the top-pods table shows CPU millicores');
    assert.match(topText, /\d+Mi/, 'the top-pods table shows memory');
    await wb.screenshot('5a-metrics-dark');
    // Hovering a chart shows the time and each series' value at the cursor.
    const over = view.locator('#grid .panel .uplot .u-over').first();
    const box = (await over.boundingBox())!;
    await wb.page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    const tip = view.locator('.chart-tooltip:not([hidden])').first();
    await tip.waitFor({ timeout: 15_000 });
    assert.match(await tip.innerText(), /\d/, 'the tooltip shows values');
    await wb.screenshot('5c-metrics-tooltip');
    await wb.page.mouse.move(box.x - 20, box.y - 20);
    // The kills of steps 3 and 3d are marked on the time series where they happened; the hover says what.
    const marker = view.locator('#grid .chart-marker').first();
    await marker.waitFor({ timeout: 30_000 });
    assert.match((await marker.getAttribute('title')) ?? '', /^Kill (pod|container)/);
    await top.scrollIntoViewIfNeeded();
    await wb.screenshot('5b-metrics-top-pods');
    // kubectl top pods --all-namespaces: a Namespace column, and pods of more than Sock Shop's namespace.
    await top.locator('.top-scope', { hasText: 'All namespaces' }).click();
    await waitUntil(async () => /Top pods \(all namespaces\)/.test(await top.innerText()), 30_000, async () => `top: ${(await top.innerText()).slice(0, 500)}`);
    await waitUntil(async () => (await top.innerText()).includes('Namespace'), 30_000, async () => `top: ${(await top.innerText()).slice(0, 500)}`);
    await wb.screenshot('5d-metrics-top-all-namespaces');
    await top.locator('.top-scope', { hasText: 'This namespace only' }).click();
    await waitUntil(async () => !/all namespaces\)/.test(await top.innerText()), 30_000, async () => `top: ${(await top.innerText()).slice(0, 500)}`);

    // The same panel in a light theme.
    await wb.runCommand('Preferences: Color Theme');
    await wb.typeInQuickInput('Light Modern', false);
    await wb.pickQuickItem(/^\s*Light Modern/);
    await wb.page.locator('.monaco-workbench.vs').waitFor({ timeout: 30_000 });
    await waitUntil(async () => (await sideBarLightness(wb)) > 200, 30_000, async () => `side bar lightness ${await sideBarLightness(wb)}`);
    await waitUntil(async () => /vscode-light/.test((await view.locator('body').getAttribute('class')) ?? ''), 30_000, () => 'the webview did not follow the light theme');
    await view.locator('#title').scrollIntoViewIfNeeded();
    await view.locator('#grid .panel .uplot canvas').first().waitFor({ timeout: 60_000 });
    await wb.screenshot('5c-metrics-light');
    await wb.runCommand('Preferences: Color Theme');
    await wb.typeInQuickInput('Dark Modern', false);
    await wb.pickQuickItem(/^\s*Dark Modern/);
    await wb.page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 30_000 });
    await wb.runCommand('View: Close All Editors');
  });

  it('6. "Sock Shop: Run Load" (a short ab-style run) → the summary notification', async function () {
    this.timeout(180_000);
    frontEnd = await frontEndStandIn();
    await wb.runCommand('Sock Shop: Run Load');
    await wb.waitQuickInput(/Load target: confirm the host/);
    const target = await wb.quickInput().locator('.quick-input-box input').inputValue();
    assert.ok(target.includes(frontEnd.host), `the load target ${target} is the front-end load balancer (${frontEnd.host})`);
    await wb.answer(/Load target: confirm the host/);
    await wb.choose('Load model', 'ab (closed model)');
    await wb.answer('Total requests (-n)', '200');
    await wb.answer('Concurrency (-c)', '5');
    await wb.answer(/Cookies \(-C\)/);
    await wb.answer('Connections');
    const summary = await wb.waitNotification(/Load \w+: \d+ requests/, 120_000);
    assert.match(summary, /Load \w+: 200 requests, 0% failed/);
    assert.ok(frontEnd.requests >= 200, `the front-end's pods served ${frontEnd.requests} requests`);
    // One req/s figure: the notification's, the panel's headline and its req/s tile agree once the run is over.
    const notified = Number(/, ([\d.]+) req\/s/.exec(summary)![1]);
    const panel = wb.webview();
    const rpsTile = panel.locator('.tile', { hasText: 'mean req/s' }).locator('.tile-value');
    await rpsTile.waitFor({ timeout: 30_000 });
    assert.equal(Number((await rpsTile.innerText()).replace(/,/g, '')), notified, 'the req/s tile shows the notification\'s figure');
    const headline = await panel.locator('#status').innerText();
    assert.equal(Number(/([\d,.]+) req\/s/.exec(headline)![1].replace(/,/g, '')), notified, `headline: ${headline}`);
    assert.equal(await panel.locator('.tile', { hasText: /^\s*[\d,.]+\s*users\s*$/ }).count(), 0, 'no users tile in an ab run');
    await wb.screenshot('6a-load-summary');
  });

  it('6b. Run Load against a port that refuses: the pre-flight request says so and asks before running', async function () {
    this.timeout(120_000);
    const closed = await closedPort();
    await wb.runCommand('Sock Shop: Run Load');
    await wb.answer(/Load target: confirm the host/, `http://127.0.0.1:${closed}/`);
    await wb.choose('Load model', 'ab (closed model)');
    await wb.answer('Total requests (-n)', '50');
    await wb.answer('Concurrency (-c)', '2');
    await wb.answer(/Cookies \(-C\)/);
    await wb.answer('Connections');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`http://127\\.0\\.0\\.1:${closed}/ refused the connection \\(ECONNREFUSED\\)`));
    assert.match(text, /Run Load anyway\?/);
    await wb.screenshot('6b-load-preflight-refused');
    await wb.clickDialogButton('Cancel');
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    // Nothing ran: no summary notification for this target.
    await assert.rejects(wb.waitNotification(new RegExp(`Load \\w+: \\d+ requests.*${closed}`), 3_000));
  });

  it('6c. "Sock Shop: Apply kube-monkey Labels" offers the workshop\'s labels and asks first, naming the context and the restart; Cancel changes nothing', async function () {
    this.timeout(120_000);
    await wb.runCommand('Sock Shop: Apply kube-monkey Labels');
    const deployments = await wb.waitQuickInput(/Apply kube-monkey labels: Deployments in sock-shop/);
    await deployments.locator('.quick-input-count', { hasText: /^1 Selected$/ }).waitFor({ timeout: 30_000 });
    await deployments.locator('.quick-input-box input').press('Enter');
    const mtbf = await wb.waitQuickInput(/kube-monkey\/mtbf/);
    assert.equal(await mtbf.locator('.quick-input-box input').inputValue(), '1');
    await mtbf.locator('.quick-input-box input').press('Enter');
    const modes = await wb.waitQuickInput(/kube-monkey: kill mode/);
    const first = modes.locator('.quick-input-list .monaco-list-row').first();
    await first.waitFor({ timeout: 15_000 });
    const firstText = await first.innerText();
    assert.match(firstText, /^fixed/);
    assert.match(firstText, /\(default, kill-value 2\)/);
    await modes.locator('.quick-input-box input').press('Enter');
    const value = await wb.waitQuickInput(/kill-value \(pods per kill\)/);
    assert.equal(await value.locator('.quick-input-box input').inputValue(), '2');
    await value.locator('.quick-input-box input').press('Enter');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.innerText();
    assert.match(text, /Put kube-monkey labels on Deployment "front-end" in namespace "sock-shop" of context "[^"]+"\?/);
    assert.match(text, /every pod of front-end is replaced now by a rolling update/);
    assert.match(text, /front-end: 2 of its \d+ pods per kill/);
    await wb.screenshot('6c-kube-monkey-labels-confirm');
    await wb.clickDialogButton('Cancel');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    // Cancelled: no "labels applied" notification follows.
    assert.equal(await wb.notification(/kube-monkey labels applied/).isVisible(), false);
  });

  it('7. "Sock Shop: Start Chaos Experiment" (a short run with load) → the verdict', async function () {
    this.timeout(240_000);
    await wb.runCommand('Sock Shop: Start Chaos Experiment');
    const targets = await wb.waitQuickInput(/Chaos targets in sock-shop/);
    await targets.locator('.quick-input-list .monaco-list-row', { hasText: 'front-end' }).first().waitFor({ timeout: 30_000 });
    // Only front-end: type to filter, select it, accept.
    await targets.locator('.quick-input-box input').fill('front-end');
    const row = targets.locator('.quick-input-list .monaco-list-row', { has: wb.page.locator('.label-name', { hasText: /^front-end$/ }) }).first();
    // A click on a row of a multi-select QuickPick toggles its checkbox.
    if ((await row.getAttribute('aria-checked')) !== 'true') await row.locator('.label-name').first().click();
    await targets.locator('.quick-input-count', { hasText: /^1 Selected$/ }).waitFor({ timeout: 15_000 });
    await wb.screenshot('7a-chaos-targets');
    await targets.locator('.quick-input-box input').press('Enter');
    await wb.choose(/kill mode/, /^fixed$/);
    await wb.answer(/kill-value/, '1');
    // One multi-step input: a counter on every question, and Back brings the last answer back.
    await wb.waitQuickInput(/Duration \(seconds\).*\(4\/12\)/);
    await wb.answer('Duration (seconds)', '12');
    const every = await wb.waitQuickInput(/Kill every \(seconds\).*\(5\/12\)/);
    await wb.screenshot('7a1-chaos-wizard-step');
    // The ← in the title bar (VS Code's Back button of a multi-step input).
    await every.locator('.quick-input-left-action-bar .action-label').first().click();
    const again = await wb.waitQuickInput(/Duration \(seconds\).*\(4\/12\)/);
    assert.equal(await again.locator('.quick-input-box input').inputValue(), '12', 'Back offers the answer given before');
    await wb.answer('Duration (seconds)');
    await wb.answer('Kill every (seconds)', '4');
    await wb.choose(/load profile/, 'Open model');
    await wb.answer(/Load target: confirm the front-end host/);
    await wb.answer(/Arrival rate/, '20');
    await wb.answer(/failure % at most/, '5');
    await wb.answer(/p95 latency/, '2000');
    await wb.answer(/back to its desired ready replicas/, '60');
    await wb.choose(/what now/, /^Run$/);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const confirmation = await dialog.innerText();
    assert.match(confirmation, /Kill pods of "front-end" in namespace "sock-shop" of context "[^"]+"\?/);
    // It says what each kill really takes, not the kill mode's name.
    assert.match(confirmation, /front-end: 1 of its \d+ pods?\./);
    await wb.clickDialogButton('Start');
    // One timeline: the experiment's load on the Load panel, each kill a marker on its charts (its hover names
    // the pod) and a line in the kill list, with the readiness lane beside them.
    const load = await wb.webviewWith('#markers');
    await waitUntil(async () => (await load.locator('#markers .marker-line').count()) >= 2, 60_000, async () => `kill list: ${await load.locator('#markers').innerText().catch(() => '')}`);
    const line = await load.locator('#markers .marker-line').first().innerText();
    assert.match(line, /◆ [\d.]+ s\s+kill front-end −1 — front-end-/, `kill list line: ${line}`);
    const marker = load.locator('#chart-rps .chart-marker').first();
    await marker.waitFor({ timeout: 15_000 });
    assert.match((await marker.getAttribute('title')) ?? '', /^kill front-end −1\nfront-end-/);
    assert.ok((await load.locator('#chart-failures .chart-marker').count()) >= 1, 'the failure chart marks the kills too');
    assert.equal(await load.locator('#ready-lane').isHidden(), false, 'the readiness lane is shown');
    assert.match(await load.locator('#title').innerText(), /Chaos experiment: front-end/);
    await wb.screenshot('7a2-chaos-load-markers');
    const verdict = await wb.waitNotification(/Chaos experiment: (PASS|FAIL)/, 180_000);
    assert.match(verdict, /Chaos experiment: PASS/, `the experiment's verdict: ${verdict}`);
    assert.ok(frontEnd!.requests > 200, 'the experiment sent load to the front-end');
    // The "Sock Shop Chaos" output lists the verdict with each check of the hypothesis.
    const output = async () => (await wb.page.locator('.part.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    await waitUntil(async () => /verdict: PASS/.test(await output()), 30_000, async () => `output: ${await output()}`);
    // The default profile's front-end has no preStop: a killed pod stops listening at once, and a connection
    // made in the proxy's ~1 s before its endpoint is gone can fail — within the 5 % the hypothesis allows.
    const rate = /PASS failures: failure rate ([0-9.]+)% \((\d+) of (\d+)\)/.exec(await output());
    assert.ok(rate && Number(rate[1]) <= 5, `failure rate line: ${rate?.[0]}`);
    assert.match(await output(), /PASS recovery: every target back/);
    await wb.screenshot('7b-chaos-verdict');
  });


  it('7c. an experiment as a file: a wrong field is in Problems; fixed, its "Run" CodeLens runs it to the same verdict', async function () {
    this.timeout(240_000);
    // Step 7's report opens in a Markdown preview a moment after its verdict; let it open and close it, so it
    // cannot take the editor from the file opened below.
    await wb.page.locator('.tab', { hasText: /Preview chaos-/ }).first().waitFor({ timeout: 30_000 });
    await wb.runCommand('View: Close All Editors');
    const file = join(playground().workspace, 'front-end-e2e.chaos.yaml');
    const text = (kill: string) =>
      [
        'apiVersion: sockshop.lab/v1',
        'kind: ChaosExperiment',
        'metadata:',
        '  name: front-end-e2e',
        'spec:',
        `  namespace: ${NS}`,
        '  targets: [front-end]',
        `  kill: ${kill}`,
        '  intervalSeconds: 4',
        '  durationSeconds: 12',
        '  load:',
        '    service: front-end',
        '    model:',
        '      open: {rate: 20}',
        '  hypothesis:',
        '    maxFailPercent: 5',
        '    maxP95Ms: 2000',
        '    recoverySeconds: 60',
        '',
      ].join('\n');
    writeFileSync(file, text('{mode: fixed, valu: 1}'));
    await wb.runCommand('Go to File...');
    // Pick the file once Quick Open lists it (Enter on an empty list would open nothing).
    await wb.typeInQuickInput('front-end-e2e.chaos.yaml', false);
    await wb.pickQuickItem(/front-end-e2e\.chaos\.yaml/);
    await wb.page.locator('.tab', { hasText: 'front-end-e2e.chaos.yaml' }).first().waitFor({ timeout: 30_000 });
    await wb.page.locator('.editor-instance .squiggly-error').first().waitFor({ timeout: 30_000 });
    await wb.runCommand('View: Toggle Problems');
    const problem = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'spec.kill.valu is not a field' }).first();
    await problem.waitFor({ timeout: 30_000 });
    assert.match((await problem.innerText()).replace(/\s+/g, ' '), /did you mean "value"\?/);
    await wb.screenshot('7c-experiment-file-problem');
    await wb.runCommand('View: Toggle Problems');
    // While the file has a problem, the CodeLens says so instead of offering Run.
    await wb.page.locator('.codelens-decoration', { hasText: /1 problem/ }).first().waitFor({ timeout: 30_000 });
    writeFileSync(file, text('{mode: fixed, value: 1}'));
    const run = wb.page.locator('.codelens-decoration a', { hasText: /^\s*Run$/ }).first();
    await run.waitFor({ timeout: 30_000 });
    await run.click();
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /Kill pods of "front-end" in namespace "sock-shop" of context "[^"]+"\?/);
    await wb.clickDialogButton('Start');
    const verdict = await wb.waitNotification(/Chaos experiment: (PASS|FAIL)/, 180_000);
    assert.match(verdict, /Chaos experiment: PASS/, `the file's verdict: ${verdict}`);
    // The saved report names the file, the context and the experiment.
    const reports = join(playground().workspace, '.sockshop', 'reports');
    const latest = readdirSync(reports).filter((n) => /^chaos-.*\.json$/.test(n)).sort().at(-1)!;
    const report = JSON.parse(readFileSync(join(reports, latest), 'utf8'));
    assert.equal(report.source?.name, 'front-end-e2e');
    assert.equal(report.source?.file, 'front-end-e2e.chaos.yaml');
    assert.equal(typeof report.context, 'string');
    await wb.screenshot('7d-experiment-file-verdict');
    await wb.runCommand('View: Close All Editors');
  });

  it('8. the walkthrough has ticked the steps the workshop did', async function () {
    this.timeout(120_000);
    await wb.runCommand('Welcome: Open Walkthrough...');
    await wb.pickQuickItem('Microservices, Observability and Chaos');
    const steps = wb.page.locator('.getting-started-step');
    await steps.first().waitFor({ timeout: 30_000 });
    const ticked = async (title: string) =>
      (await steps.filter({ hasText: title }).first().locator('.codicon-getting-started-step-checked').count()) > 0;
    const states = async () =>
      (await steps.evaluateAll((els) => els.map((e) => `${e.querySelector('.codicon-getting-started-step-checked') ? '[x]' : '[ ]'} ${(e as HTMLElement).innerText.split('\n')[0]}`))).join('\n');
    await wb.screenshot('8-walkthrough');
    // Steps 1–7 did these; no step verified with the Verify command or destroyed the cluster.
    for (const title of ['Sign in to DigitalOcean', 'Create a DOKS cluster', 'Deploy Sock Shop', 'Observe it', 'Put it under load', 'Run a chaos experiment']) {
      assert.ok(await ticked(title), `walkthrough step "${title}" is not ticked:\n${await states()}`);
    }
    for (const title of ['Verify it', 'Destroy the cluster']) {
      assert.equal(await ticked(title), false, `walkthrough step "${title}" is ticked although it was not done:\n${await states()}`);
    }
  });

  it('8b. "Sock Shop: Change Grafana Password" through the port-forward to the Monitoring Stack\'s Grafana, and back', async function () {
    this.timeout(120_000);
    const change = async (to: string) => {
      await wb.runCommand('Sock Shop: Change Grafana Password');
      // The current password is found by itself (the chart's default, then the stored one): only the new one is asked.
      const input = await wb.waitQuickInput('New Grafana admin password', 60_000);
      assert.equal(await input.locator('.quick-input-box input').getAttribute('type'), 'password');
      await wb.answer('New Grafana admin password', to);
      await wb.answer('New Grafana admin password (again)', to);
      await wb.waitNotification(/Grafana admin password changed/, 60_000);
    };
    await change(GRAFANA_PASSWORD);
    await wb.screenshot('8b-grafana-password-changed');
    // Back to the chart's default, so a rerun against the same lab starts where it began.
    await change('prom-operator');
  });

  it('9. the DigitalOcean token and the Grafana password are in no log file, setting or workspace file after the whole workshop', async function () {
    const { doToken, userDataDir, workspace } = playground();
    assert.ok(doToken);
    const files = [...listFiles(userDataDir), ...listFiles(workspace)];
    // The output channel ("Sock Shop Lab"), the extension host log and settings.json are among them.
    assert.ok(files.some((f) => /Sock Shop Lab\.log$/.test(f)), 'the Sock Shop Lab output channel log was not found');
    assert.ok(files.some((f) => f.endsWith(join('User', 'settings.json'))));
    const leaks = files.filter((f) => statSync(f).size < 50 * 1024 * 1024 && readFileSync(f).includes(doToken));
    assert.deepEqual(leaks, []);
    const grafanaLeaks = files.filter((f) => statSync(f).size < 50 * 1024 * 1024 && readFileSync(f).includes(GRAFANA_PASSWORD));
    assert.deepEqual(grafanaLeaks, [], 'the Grafana password set in step 8b');
  });

  it('9b. Deploy with a NodePort front-end into a second namespace → "Port-Forward and Open" on the notification → the front-end opens through a local port; Remove ends it', async function () {
    this.timeout(300_000);
    const ns = `${NS}-np`;
    await wb.runCommand('Sock Shop: Deploy');
    const first = await Promise.race([
      wb.waitQuickInput('Deploy Sock Shop: Kubernetes context').then(() => 'context' as const, () => 'none' as const),
      wb.waitQuickInput('Deploy Sock Shop: namespace').then(() => 'namespace' as const, () => 'none' as const),
    ]);
    if (first === 'context') await wb.answer('Deploy Sock Shop: Kubernetes context');
    await wb.answer('Deploy Sock Shop: namespace', ns);
    await wb.choose('Deploy Sock Shop: profile', /^default, NodePort front-end$/);
    // No load balancer: the notification says so and offers the port-forward instead of a URL.
    const deployed = new RegExp(`Sock Shop (is deployed to|in) ${ns}.*deployments are available`);
    const done = await wb.waitNotification(deployed, 240_000);
    assert.doesNotMatch(done, /Front-end: http/, 'a NodePort front-end has no load balancer URL');
    const toast = wb.notification(deployed);
    const button = toast.locator('.monaco-button', { hasText: /^Port-Forward and Open$/ });
    await button.waitFor({ timeout: 10_000 });
    await wb.screenshot('9b-deploy-nodeport-done');
    // openExternal in code-server opens a browser tab: catch it.
    const tab = wb.page.context().waitForEvent('page', { timeout: 60_000 });
    await button.click();
    const page = await tab;
    await page.waitForLoadState('domcontentloaded', { timeout: 30_000 });
    const shown = page.url();
    const content = await page.content();
    // Close the tab and come back to the workbench, as the user does.
    await page.close();
    await wb.page.bringToFront();
    // It checks the front-end answers through the forward before it says "opened" (no tab that hangs).
    const opened = await wb.waitMessage(new RegExp(`Front-end opened in the browser: http://127\\.0\\.0\\.1:\\d+/? → pod ${ns}/front-end-[a-z0-9-]+:8079 \\(the front-end answered`), 90_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(opened)![1];
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200, `GET ${url}/`);
    assert.match(await res.text(), /<html|WeaveSocks|front-end/i);
    // code-server may route a loopback URL through its own /proxy/<port>/; either way it is the forward's port.
    const port = new URL(url).port;
    assert.ok(shown === `${url}/` || shown.includes(`/proxy/${port}`) || shown.startsWith(url), `the tab opened ${shown}, not ${url}`);
    assert.match(content, /<html|WeaveSocks|front-end/i, `the tab at ${shown} shows the front-end`);
    await wb.screenshot('9b-port-forward-and-open');

    // Remove: it names the namespace and the context, then the namespace and its forward are gone.
    await wb.runCommand('Sock Shop: Remove');
    await wb.answer('Remove Sock Shop: namespace', ns);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match((await dialog.innerText()).replace(/\s+/g, ' '), new RegExp(`Delete namespace "${ns}" and everything in it \\(context "[^"]+"\\)\\?`));
    await wb.clickDialogButton('Delete');
    await wb.waitNotification(new RegExp(`Namespace ${ns} is gone`), 180_000);
    await waitUntil(async () => !(await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false)), 15_000, () => `${url} still answers after Remove`);
  });

  it('10. "Sock Shop: Destroy DOKS Cluster" → the typed name → destroyed with its load balancers; its context and token leave the kubeconfig and its backup', async function () {
    this.timeout(180_000);
    assert.ok(clusterName, 'step 1 created a cluster');
    const { kubeconfig } = playground();
    const context = `do-sgp1-${clusterName}`;
    const doc = parseYaml(readFileSync(kubeconfig, 'utf8')) as { contexts: { name: string; context: { user: string } }[]; users: { name: string; user: { token?: string } }[] };
    const user = doc.contexts.find((c) => c.name === context)?.context.user;
    const token = doc.users.find((u) => u.name === user)?.user.token;
    assert.ok(token, `the kubeconfig holds the token of ${context}`);
    await wb.runCommand('Sock Shop: Destroy DOKS Cluster');
    await wb.choose(/^Destroy a DOKS cluster$/, new RegExp(`^${clusterName}$`));
    const confirm = await wb.waitQuickInput(`Destroy DOKS cluster "${clusterName}"`, 60_000);
    // It names the load balancer by name, IP and the Service it serves before anything is deleted.
    assert.match(await confirm.innerText(), /load balancer .*front-end/);
    await wb.screenshot('10a-destroy-confirm');
    await wb.answer(`Destroy DOKS cluster "${clusterName}"`, clusterName);
    const done = await wb.waitNotification(new RegExp(`Cluster "${clusterName}" and its \\d+ load balancer\\(s\\) are destroyed; none is left billing`), 120_000);
    assert.match(done, /Context removed from/);
    await wb.screenshot('10b-destroyed');
    const after = readFileSync(kubeconfig, 'utf8');
    assert.ok(!after.includes(context), 'the context is gone from the kubeconfig');
    assert.ok(!after.includes(token), 'the token is gone from the kubeconfig');
    const backup = `${kubeconfig}.sock-shop.bak`;
    if (existsSync(backup)) {
      const b = readFileSync(backup, 'utf8');
      assert.ok(!b.includes(token), 'the backup holds no token of the destroyed cluster');
      assert.ok(!b.includes(`name: ${context}`), 'the backup holds no context of the destroyed cluster');
    }
  });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s; ${await describe()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Expands a tree row (a click on a collapsed row toggles it). */
async function expandRow(row: import('playwright-core').Locator): Promise<void> {
  await row.waitFor({ timeout: 60_000 });
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  await waitUntil(async () => (await row.getAttribute('aria-expanded')) !== 'false', 10_000, () => 'the row did not expand');
}

/** The side bar's background brightness (0–255): a light theme paints it light. */
async function sideBarLightness(wb: Workbench): Promise<number> {
  return wb.page.evaluate(() => {
    const bg = getComputedStyle(document.querySelector('.part.sidebar')!).backgroundColor;
    const [r, g, b] = (bg.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
    return (r + g + b) / 3;
  });
}

async function newYamlEditor(wb: Workbench): Promise<void> {
  await wb.runCommand('File: New Untitled Text File');
  await wb.page.locator('.editor-instance .monaco-editor').first().waitFor({ timeout: 30_000 });
  await wb.runCommand('Change Language Mode');
  await wb.typeInQuickInput('yaml', false);
  await wb.pickQuickItem(/^\s*YAML\s*\(yaml\)/);
  await wb.page.locator('.statusbar-item', { hasText: /^YAML$/ }).first().waitFor({ timeout: 15_000 });
  await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
}

interface FrontEnd {
  url: string;
  host: string;
  /** Requests the front-end's pods served since this was made (kube-probe's excluded). */
  requests: number;
  close(): Promise<void>;
}

/**
 * The real front-end behind the lab's load balancer (the lab's data plane runs its pods as servers and routes
 * the load balancer address to them). What it served is read from its pods' access logs, which the lab
 * kubelet keeps on disk — also for pods a chaos experiment has deleted.
 */
async function frontEndStandIn(): Promise<FrontEnd> {
  const { KubeConfig, CoreV1Api } = await import('@kubernetes/client-node');
  const { readState } = await import('../lab/lab.ts');
  const kc = new KubeConfig();
  kc.loadFromString(readFileSync(playground().kubeconfig, 'utf8'));
  const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: 'front-end', namespace: NS });
  const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
  const port = svc.spec?.ports?.[0]?.port ?? 80;
  if (!ip) throw new Error('the front-end Service has no load balancer address');
  const dir = (readState()?.components.dataplane as { dir?: string } | undefined)?.dir;
  if (!dir) throw new Error('the lab runs without its data plane: nothing answers at the front-end load balancer');
  const served = () => {
    const pods = join(dir, 'pods');
    let n = 0;
    for (const d of readdirSync(pods).filter((x) => x.startsWith(`${NS}_front-end-`))) {
      for (const f of listFiles(join(pods, d, 'front-end'))) {
        n += readFileSync(f, 'utf8').split('\n').filter((l) => l.includes('"GET / HTTP/1.1"') && !l.includes('kube-probe')).length;
      }
    }
    return n;
  };
  const before = served();
  return {
    url: `http://${ip}${port === 80 ? '' : `:${port}`}/`,
    host: ip,
    get requests() {
      return served() - before;
    },
    close: async () => {},
  };
}

/** Every regular file below dir. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : e.isFile() ? [p] : [];
  });
}

/** A loopback port nothing listens on (bound once, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
