// The training run's edges in the store: Stop before the engine has the run, the backend held
// while it trains, and the unsaved weights a failed run leaves in use.
import { expect, it } from 'vitest';
import { file, readyStore, waitFor } from './testing';

it('Stop while the run is still starting (before the engine has it) cancels it quietly; nothing trains or changes', async () => {
  let allow!: () => void;
  const persist = () => new Promise<boolean>((r) => (allow = () => r(true))); // the browser's storage prompt, still open
  const { fake, s } = await readyStore({}, { persistStorage: persist });
  await s().addFiles([file('strings.wav')]);
  const done = s().train();
  await waitFor(() => s().training.running);
  s().stopTraining();
  await new Promise((r) => setTimeout(r, 5));
  allow();
  await done;
  expect(fake.models.trains).toHaveLength(0);
  expect(s().training).toMatchObject({ running: false, stopping: false });
  expect(s().training.error).toBeUndefined();
  expect(s().announcement.text).toMatch(/stopped before its first step; nothing changed/);
  expect(s().engine.info?.lm).toMatchObject({ modelId: null, modelName: expect.not.stringMatching(/Fine-tune/) });
});

it('the compute backend is not changed while a run trains (a reload would replace the model being trained)', async () => {
  let release!: () => void;
  const { fake, s } = await readyStore({ holdTrain: new Promise<void>((r) => (release = r)) }, { persistStorage: async () => true });
  await s().addFiles([file('strings.wav')]);
  const done = s().train();
  await waitFor(() => fake.models.trains.length === 1);
  const inits = fake.inits.length;
  await s().setBackend('cpu');
  expect(fake.inits).toHaveLength(inits);
  expect(s().backend).not.toBe('cpu');
  expect(s().announcement.text).toBe('The compute backend can be changed when the training ends.');
  s().stopTraining();
  release();
  await done;
});

it('with the unsaved weights of a failed run in use, choosing Pack model loads the pack\'s own weights', async () => {
  const { fake, s, store } = await readyStore({}, { persistStorage: async () => true });
  const info = s().engine.info!;
  store.setState({ engine: { ...s().engine, info: { ...info, lm: { ...info.lm!, modelId: null, modelName: 'Mine (not saved)' } } } });
  await s().selectModel(null);
  expect(fake.models.uses).toEqual([null]);
  await s().selectModel(null); // the pack's own now: nothing to do
  expect(fake.models.uses).toEqual([null]);
});
