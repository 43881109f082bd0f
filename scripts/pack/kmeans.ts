import { mulberry32 } from '../../src/util/rng.ts';

/**
 * Deterministic k-means (Lloyd's algorithm, k-means++-style seeding from a seeded PRNG) on
 * row-major points [N, D]. Empty clusters are re-seeded from the worst-fit point.
 * Returns centroids [k, D] and the assignment of each point.
 */
export function kmeans(points: Float32Array, n: number, dims: number, k: number, iters: number, seed: number):
  { centroids: Float32Array; assign: Int32Array } {
  const rand = mulberry32(seed);
  const c = new Float32Array(k * dims);
  // k-means++ seeding: each new centre is drawn with probability proportional to the squared
  // distance to the nearest centre so far, so rare but distinct spectra get centres too.
  const d2 = new Float64Array(n).fill(Infinity);
  let cur = Math.floor(rand() * n);
  for (let j = 0; j < k; j++) {
    c.set(points.subarray(cur * dims, (cur + 1) * dims), j * dims);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let q = 0; q < dims; q++) s += (points[i * dims + q] - c[j * dims + q]) ** 2;
      if (s < d2[i]) d2[i] = s;
      total += d2[i];
    }
    let u = rand() * total;
    cur = n - 1;
    for (let i = 0; i < n; i++) { u -= d2[i]; if (u <= 0) { cur = i; break; } }
  }
  const assign = new Int32Array(n);
  const best = new Float64Array(n);
  const cn = new Float64Array(k);
  for (let it = 0; it < iters; it++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let d = 0; d < dims; d++) s += c[j * dims + d] ** 2;
      cn[j] = s;
    }
    nearest(points, n, dims, c, cn, k, assign, best);
    const sums = new Float64Array(k * dims);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const j = assign[i];
      counts[j]++;
      for (let d = 0; d < dims; d++) sums[j * dims + d] += points[i * dims + d];
    }
    // Points ordered by fit error, worst first, to re-seed empty clusters.
    const worst = counts.some((v) => v === 0) ? Array.from(best.keys()).sort((a, b) => best[b] - best[a] || a - b) : [];
    let w = 0;
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) {
        const i = worst[w++];
        c.set(points.subarray(i * dims, (i + 1) * dims), j * dims);
        continue;
      }
      for (let d = 0; d < dims; d++) c[j * dims + d] = sums[j * dims + d] / counts[j];
    }
  }
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let d = 0; d < dims; d++) s += c[j * dims + d] ** 2;
    cn[j] = s;
  }
  nearest(points, n, dims, c, cn, k, assign, best);
  return { centroids: c, assign };
}

/** assign[i] = argmin_j |c_j|^2 - 2 x_i . c_j (ties -> lowest j, as ONNX ArgMin). */
export function nearest(points: Float32Array, n: number, dims: number, c: Float32Array, cn: Float64Array, k: number,
  assign: Int32Array, best: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * dims;
    let bj = 0;
    let bv = Infinity;
    let xn = 0;
    for (let d = 0; d < dims; d++) xn += points[o + d] ** 2;
    for (let j = 0; j < k; j++) {
      const co = j * dims;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += points[o + d] * c[co + d];
      const v = cn[j] - 2 * dot;
      if (v < bv) { bv = v; bj = j; }
    }
    assign[i] = bj;
    best[i] = bv + xn;
  }
}
