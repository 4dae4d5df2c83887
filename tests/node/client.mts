// A small client of the fake, typed by openapi-typescript and sent by openapi-fetch.
// tests/test_openapi_typescript.py type-checks it (as an ES module) (tsc --noEmit) and runs it against the fake.
import createClient from "openapi-fetch";
import type { components, paths } from "./rivya-api.js"; // types from the README's openapi-typescript command

type GenerationRequest = components["schemas"]["GenerationRequest"];
type Task = components["schemas"]["Task"];

export async function createAndPoll(baseUrl: string, apiKey: string): Promise<Task> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
  const created = await client.POST("/api/v1/generations", {
    body: { model: "gpt-image-2", prompt: "a lighthouse", params: { resolution: "2K", aspect_ratio: "16:9" } },
    params: { header: { "Idempotency-Key": "ts-client-1" } },
  });
  if (created.error) throw new Error(`create: ${created.error.error.code}`);
  let task: Task = created.data;
  while (task.status === "queued" || task.status === "processing") {
    const polled = await client.GET("/api/v1/generations/{taskId}", {
      params: { path: { taskId: task.id } },
    });
    if (polled.error) throw new Error(`poll: ${polled.error.error.code}`);
    task = polled.data;
  }
  return task;
}

export const defaultsLeftOut: GenerationRequest = { model: "gpt-image-2", prompt: "a fox", params: { resolution: "4K" } };
export const zImage: GenerationRequest = { model: "z-image", prompt: "a fox", params: { aspect_ratio: "16:9" } };

export const wrongEnum: GenerationRequest = {
  model: "gpt-image-2",
  prompt: "a lighthouse",
  params: {
    // @ts-expect-error 8K is not a resolution of gpt-image-2
    resolution: "8K",
  },
};

export const otherModelsParam: GenerationRequest = {
  model: "z-image",
  prompt: "a fox",
  params: {
    // @ts-expect-error resolution is a param of other models, not of z-image
    resolution: "1K",
  },
};

declare const process: { argv: string[] };
const [baseUrl, apiKey] = process.argv.slice(2);
if (baseUrl && apiKey) {
  createAndPoll(baseUrl, apiKey).then((task) => {
    console.log(JSON.stringify({ status: task.status, primary_url: task.result?.primary_url }));
  });
}
