import { expect, test } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { DEMO_PASSWORD, pullAll, signIn } from "./helpers";

const ROUNDS = 7;

test("a pull of 100 changes, end to end", async ({ page, request }) => {
  await signIn(page, "plie1");
  const login = await request.post("/api/auth/login", {
    data: { username: "superviseur", password: DEMO_PASSWORD, device_id: randomUUID() },
  });
  const { token } = await login.json();
  const headers = { authorization: `Bearer ${token}` };
  const caseload = { changes: await pullAll(request, "superviseur") };
  const mine = await (
    await request.post("/api/auth/login", {
      data: { username: "plie1", password: DEMO_PASSWORD, device_id: randomUUID() },
    })
  ).json();
  const people = caseload.changes
    .filter((c: any) => c.kind === "enrolment" && c.data.referent_id === mine.user.id && c.data.status === "active")
    .map((c: any) => caseload.changes.find((p: any) => p.kind === "person" && p.data.id === c.data.person_id).data);
  expect(people.length).toBeGreaterThan(50);

  let seq = 1;
  const timings: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // 100 changes in plie1's scope: two edits of each of 50 people, from another device.
    const mutations = [];
    for (const field of ["first_name", "last_name"]) {
      for (const person of people.slice(0, 50)) {
        const value = `${person[field].split("-")[0]}-${round}`;
        mutations.push({
          seq: seq++,
          mutation: {
            type: "edit_person",
            person_id: person.id,
            changes: [{ field, base: { type: "text", value: person[field] }, value: { type: "text", value } }],
          },
        });
        person[field] = value;
      }
    }
    const pushed = await request.post("/api/sync/push", { headers, data: { protocol: 1, schema: 3, mutations } });
    expect(pushed.ok()).toBeTruthy();

    const before = Number(await page.getByTestId("last-sync").getAttribute("data-synced-at"));
    const started = Date.now();
    await page.getByRole("button", { name: "Synchroniser maintenant" }).click();
    await expect
      .poll(async () => Number(await page.getByTestId("last-sync").getAttribute("data-synced-at")), {
        intervals: [5],
        timeout: 30_000,
      })
      .toBeGreaterThan(before);
    timings.push(Date.now() - started);
  }
  timings.sort((a, b) => a - b);
  console.log(
    `BENCH pull_100_changes rounds=${ROUNDS} median_ms=${timings[Math.floor(ROUNDS / 2)]} min_ms=${timings[0]} max_ms=${timings[ROUNDS - 1]}`,
  );
});
