// Builds what the GPU device run carries, all under .device/ (git-ignored through .git/info/exclude):
//   .device/carry/payload.tar.xz  stage/: gpuBench.mjs (esbuild bundle of scripts/device/gpuBench.ts, no
//                           node_modules needed), dist/linux-x64/dawn.node, wasm/*.wasm
//   .device/carry/node.xz         this machine's node binary, stripped and xz'd (rebuilt only when it changes)
// Usage: node scripts/device/build.mjs [--no-node] [--no-pack]   (npm run device:prepare)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dev = join(root, '.device');
const stage = join(dev, 'stage');
const carryDir = join(dev, 'carry'); // the one folder the device call carries (with .gl)
const args = new Set(process.argv.slice(2));
const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'wasm'), { recursive: true });
mkdirSync(carryDir, { recursive: true });
mkdirSync(join(stage, 'dist', 'linux-x64'), { recursive: true });

// Vite's `?url` imports (tfjs-backend-wasm binaries in src/runtime/tfBackend.ts): copy the file
// next to the bundle and export its absolute path at run time.
const assetUrls = {
  name: 'asset-url',
  setup(build) {
    build.onResolve({ filter: /\?url$/ }, async (a) => {
      const spec = a.path.slice(0, -'?url'.length);
      const r = await build.resolve(spec, { resolveDir: a.resolveDir, kind: 'import-statement' });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: 'asset-url' };
    });
    build.onLoad({ filter: /.*/, namespace: 'asset-url' }, (a) => {
      copyFileSync(a.path, join(stage, 'wasm', basename(a.path)));
      return { contents: `import { fileURLToPath } from 'node:url';\nexport default fileURLToPath(new URL('./wasm/${basename(a.path)}', import.meta.url));\n`, loader: 'js' };
    });
  },
};

// onnxruntime-web: the browser's JSEP bundle (webgpu + wasm EPs), not the "node" export (wasm only).
const ortBrowser = {
  name: 'ort-browser',
  setup(build) {
    build.onResolve({ filter: /^onnxruntime-web$/ }, () => ({ path: join(root, 'node_modules/onnxruntime-web/dist/ort.bundle.min.mjs') }));
  },
};

const result = await esbuild.build({
  entryPoints: [join(root, 'scripts/device/gpuBench.ts')],
  outfile: join(stage, 'gpuBench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'], // tfjs: the ESM builds, as Vite uses, so one tfjs-core instance serves every backend
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['node-fetch'], // tfjs-core's lazy Node fetch; Node 20 has fetch
  plugins: [assetUrls, ortBrowser],
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "import { fileURLToPath as __fu } from 'node:url';",
      "import { dirname as __dn } from 'node:path';",
      'const require = __cr(import.meta.url);',
      'const __filename = __fu(import.meta.url);',
      'const __dirname = __dn(__filename);',
    ].join('\n'),
  },
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
writeFileSync(join(dev, 'meta.json'), JSON.stringify(result.metafile));

copyFileSync(join(root, 'node_modules/webgpu/dist/linux-x64/dawn.node'), join(stage, 'dist/linux-x64/dawn.node'));
copyFileSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm'), join(stage, 'wasm/ort-wasm-simd-threaded.jsep.wasm'));
writeFileSync(join(stage, 'package.json'), '{"type":"module"}\n');
// Fallback only (run.sh uses it when the image's libstdc++ lacks GLIBCXX_3.4.30, which dawn.node needs).
mkdirSync(join(stage, 'lib'));
copyFileSync(realpathSync('/usr/lib/x86_64-linux-gnu/libstdc++.so.6'), join(stage, 'lib/libstdc++.so.6'));
console.log(`bundle ${mb(statSync(join(stage, 'gpuBench.mjs')).size)}`);

if (!args.has('--no-pack')) {
  execFileSync('tar', ['-C', dev, '-cf', join(dev, 'payload.tar'), 'stage']);
  execFileSync('xz', ['-9', '-T2', '-f', join(dev, 'payload.tar')]);
  copyFileSync(join(dev, 'payload.tar.xz'), join(carryDir, 'payload.tar.xz'));
  rmSync(join(dev, 'payload.tar.xz'));
  console.log(`payload.tar.xz ${mb(statSync(join(carryDir, 'payload.tar.xz')).size)}`);
}

if (!args.has('--no-node')) {
  const src = process.execPath;
  const st = statSync(src);
  const stamp = `${src} ${st.size} ${st.mtimeMs} ${process.version}`;
  const stampFile = join(dev, 'node.xz.src');
  if (!existsSync(join(carryDir, 'node.xz')) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    console.log(`compressing ${src} (${process.version}); takes a few minutes`);
    execFileSync('strip', ['--strip-all', '-o', join(dev, 'node'), src]); // .dynsym stays: N-API addons still link
    execFileSync('xz', ['-9', '-T2', '-f', join(dev, 'node')]);
    copyFileSync(join(dev, 'node.xz'), join(carryDir, 'node.xz'));
    rmSync(join(dev, 'node.xz'));
    writeFileSync(stampFile, stamp);
  }
  console.log(`node.xz ${mb(statSync(join(carryDir, 'node.xz')).size)} (${process.version})`);
}

// What a device call would send: tracked + untracked-not-ignored files, plus the carried paths.
const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root }).toString().split('\0').filter(Boolean);
let tree = 0;
for (const f of listed) {
  try {
    const s = statSync(join(root, f));
    if (s.isFile()) tree += s.size;
  } catch { /* deleted in the work tree */ }
}
const du = (p) => (existsSync(join(root, p)) ? Number(execFileSync('du', ['-sb', join(root, p)]).toString().split('\t')[0]) : 0);
const carry = du('.device/carry') + du('.gl');
console.log(`working tree ${mb(tree)} + carried ${mb(carry)} (.device/carry ${mb(du('.device/carry'))}, .gl ${mb(du('.gl'))}) = ${mb(tree + carry)} of 64 MiB`);
if (!existsSync(join(root, '.gl'))) console.log('no .gl: download the Vulkan loader debs first (scripts/device/README.md)');
