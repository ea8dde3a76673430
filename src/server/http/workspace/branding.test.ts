import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Jimp } from "jimp";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The portal's branding end to end through HTTP, on the configured database: brand images
// uploaded by the API and by the page's form, served from our origin with their type, a
// long cache and nosniff, linked by every portal page; colours, font and custom CSS saved and
// sent; another workspace's slug never serves them.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const BOUNDARY = "----portico-brand-boundary-7f3";
const png = (w: number, h: number, color = 0x1d4ed8ff) =>
  new Jimp({ width: w, height: h, color }).getBuffer("image/png");

async function putImage(headers: Record<string, string>, kind: string, body: Buffer | string) {
  return t.app.inject({
    method: "PUT",
    url: `/api/workspace/settings/brand-assets/${kind}`,
    headers: { ...headers, "content-type": "application/octet-stream" },
    payload: body,
  });
}

function multipart(fields: Record<string, string>, fileName: string, bytes: Buffer): Buffer {
  let s = "";
  for (const [k, v] of Object.entries(fields)) {
    s += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  }
  s += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: image/png\r\n\r\n`;
  return Buffer.concat([Buffer.from(s), bytes, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
}

describe("brand images", () => {
  test("uploaded, served with its type, a long cache and nosniff; linked by the portal's pages", async () => {
    const team = await makeTeam(t);
    const up = await putImage(team.admin.headers, "logo_light", await png(1000, 250));
    assert.equal(up.statusCode, 200, up.body);
    const urls = up.json() as Record<string, string | null>;
    assert.match(
      urls.logo_light ?? "",
      new RegExp(`^/portal/${team.ws.slug}/brand/logo_light-[0-9a-f]{8}\\.png$`),
    );
    assert.equal(urls.logo_dark, null);

    const img = await t.app.inject({ method: "GET", url: urls.logo_light as string });
    assert.equal(img.statusCode, 200);
    assert.equal(img.headers["content-type"], "image/png");
    assert.equal(img.headers["x-content-type-options"], "nosniff");
    assert.match(String(img.headers["cache-control"]), /public, max-age=31536000, immutable/);
    const decoded = await Jimp.fromBuffer(img.rawPayload);
    assert.deepEqual([decoded.bitmap.width, decoded.bitmap.height], [512, 128]);

    const dark = await putImage(team.admin.headers, "logo_dark", await png(400, 100, 0xffffffff));
    assert.equal(dark.statusCode, 200);
    const icon = await putImage(team.admin.headers, "favicon", await png(64, 64));
    assert.equal(icon.statusCode, 200);
    const all = icon.json() as Record<string, string>;

    const page = await t.app.inject({ method: "GET", url: `/portal/${team.ws.slug}/submit` });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(`<img src="${urls.logo_light}"`), "the light logo");
    assert.ok(
      page.body.includes(`<source srcset="${all.logo_dark}" media="(prefers-color-scheme: dark)">`),
      "the dark logo for dark mode",
    );
    const iconBase = (all.favicon as string).replace(/-512\.png$/, "");
    assert.ok(
      page.body.includes(`<link rel="icon" href="${iconBase}-32.png" sizes="32x32" type="image/png">`),
    );
    assert.ok(page.body.includes(`<link rel="apple-touch-icon" href="${iconBase}-180.png">`));
    assert.ok(
      page.body.includes(`<link rel="manifest" href="/portal/${team.ws.slug}/manifest.webmanifest">`),
    );
    assert.doesNotMatch(page.body, /href="data:,"/);

    for (const size of [32, 180, 192, 512]) {
      const res = await t.app.inject({ method: "GET", url: `${iconBase}-${size}.png` });
      assert.equal(res.statusCode, 200, `icon ${size}`);
      const d = await Jimp.fromBuffer(res.rawPayload);
      assert.deepEqual([d.bitmap.width, d.bitmap.height], [size, size]);
    }
    const manifest = await t.app.inject({
      method: "GET",
      url: `/portal/${team.ws.slug}/manifest.webmanifest`,
    });
    assert.equal(manifest.statusCode, 200);
    assert.match(String(manifest.headers["content-type"]), /^application\/manifest\+json/);
    const m = manifest.json() as {
      name: string;
      icons: { src: string; sizes: string }[];
      theme_color: string;
    };
    assert.deepEqual(
      m.icons.map((i) => [i.src, i.sizes]),
      [
        [`${iconBase}-192.png`, "192x192"],
        [`${iconBase}-512.png`, "512x512"],
      ],
    );
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/);

    // Another workspace's slug never serves these images; an old hash is gone once replaced.
    const other = await makeTeam(t);
    const foreign = (urls.logo_light as string).replace(team.ws.slug, other.ws.slug);
    assert.equal((await t.app.inject({ method: "GET", url: foreign })).statusCode, 404);
    const again = await putImage(team.admin.headers, "logo_light", await png(300, 100, 0x00ff00ff));
    const newUrl = (again.json() as Record<string, string>).logo_light;
    assert.notEqual(newUrl, urls.logo_light);
    assert.equal((await t.app.inject({ method: "GET", url: urls.logo_light as string })).statusCode, 404);
    assert.equal((await t.app.inject({ method: "GET", url: newUrl as string })).statusCode, 200);
    // A logo has no sizes; a name that is not an image's is a 404.
    assert.equal(
      (await t.app.inject({ method: "GET", url: (newUrl as string).replace(".png", "-32.png") })).statusCode,
      404,
    );
    assert.equal(
      (await t.app.inject({ method: "GET", url: `/portal/${team.ws.slug}/brand/..%2Fetc-00000000.png` }))
        .statusCode,
      404,
    );

    // Removing the dark logo: the light one stands for both; audited.
    const del = await t.app.inject({
      method: "DELETE",
      url: "/api/workspace/settings/brand-assets/logo_dark",
      headers: team.admin.headers,
    });
    assert.equal(del.statusCode, 200);
    const after = await t.app.inject({ method: "GET", url: `/portal/${team.ws.slug}/kb` });
    assert.doesNotMatch(after.body, /prefers-color-scheme: dark\)"/);
    const audit = await t.ctx.database.db
      .selectFrom("audit_events")
      .select(["action", "summary"])
      .where("workspace_id", "=", team.ws.id)
      .where("action", "=", "settings.brand_image")
      .execute();
    assert.equal(audit.length, 5);
  });

  test("refused: HTML named logo.png, SVG, agents who are not admins; nothing stored", async () => {
    const team = await makeTeam(t);
    const html = await putImage(
      team.admin.headers,
      "logo_light",
      `<!doctype html><script>alert(1)</script>${" ".repeat(100)}`,
    );
    assert.equal(html.statusCode, 415);
    assert.equal((html.json() as { error: { code: string } }).error.code, "not_an_image");
    const svg = await putImage(
      team.admin.headers,
      "favicon",
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    assert.equal(svg.statusCode, 415);
    assert.match(svg.body, /SVG/);
    const agent = await putImage(team.agent.headers, "logo_light", await png(10, 10));
    assert.equal(agent.statusCode, 403);
    const rows = await t.ctx.database.db
      .selectFrom("workspaces")
      .select("brand_images")
      .where("id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.equal(rows.brand_images, "{}");
  });

  test("the branding page uploads through its form and shows a refusal beside the field", async () => {
    const team = await makeTeam(t);
    const headers = {
      cookie: team.admin.cookie,
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
    };
    const ok = await t.app.inject({
      method: "POST",
      url: "/app/settings/branding/images/logo_light",
      headers,
      payload: multipart({ _csrf: team.admin.csrf }, "logo.png", await png(200, 50)),
    });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal(ok.headers.location, "/app/settings/branding?saved=logo_light#images");
    const bad = await t.app.inject({
      method: "POST",
      url: "/app/settings/branding/images/logo_dark",
      headers,
      payload: multipart(
        { _csrf: team.admin.csrf },
        "logo.png",
        Buffer.from("<html><body>not an image</body></html>".repeat(4)),
      ),
    });
    assert.equal(bad.statusCode, 415);
    assert.match(bad.body, /not a PNG, JPEG or GIF/);
    assert.match(bad.body, /id="image-logo_dark" [^>]*aria-invalid="true"/);
    const page = await t.app.inject({
      method: "GET",
      url: "/app/settings/branding",
      headers: { cookie: team.admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      /<img src="\/portal\/[^"]+\/brand\/logo_light-[0-9a-f]{8}\.png" alt="The current logo">/,
    );
    const settings = await t.app.inject({
      method: "GET",
      url: "/app/settings",
      headers: { cookie: team.admin.cookie },
    });
    assert.match(settings.body, /href="\/app\/settings\/branding"/);
    assert.doesNotMatch(settings.body, /id="branding-title"/);
  });
});

describe("colours, font and custom CSS", () => {
  test("saved through the API and sent on portal pages, never in the agents' app", async () => {
    const team = await makeTeam(t);
    const res = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/branding",
      headers: team.admin.headers,
      payload: {
        primaryColor: "#0f766e",
        secondaryColor: "#b45309",
        font: "transitional",
        customCss: "body { background: #fdf6e3 }\n.card > h2 { letter-spacing: .02em }",
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const b = res.json() as { customCss: string; effective: { secondaryColor: string; font: string } };
    assert.equal(
      b.customCss,
      ".portico-portal{background:#fdf6e3}.portico-portal .card>h2{letter-spacing:.02em}",
    );
    assert.deepEqual([b.effective.secondaryColor, b.effective.font], ["#b45309", "transitional"]);

    const page = await t.app.inject({ method: "GET", url: `/portal/${team.ws.slug}/submit` });
    assert.match(page.body, /<body class="portico-portal"[ >]/);
    assert.match(page.body, /--accent:#[0-9a-f]{6};--on-accent:#[0-9a-f]{6};--accent-ink-light:#[0-9a-f]{6}/);
    assert.match(page.body, /--font:Charter, "Bitstream Charter"/);
    const nonce = /<style nonce="([^"]+)">:root/.exec(page.body)?.[1];
    assert.ok(nonce);
    assert.ok(
      page.body.includes(
        `<style nonce="${nonce}">.portico-portal{background:#fdf6e3}.portico-portal .card>h2{letter-spacing:.02em}</style>`,
      ),
      "the custom CSS, unescaped, with the page's nonce",
    );
    const app = await t.app.inject({ method: "GET", url: "/app", headers: { cookie: team.admin.cookie } });
    assert.doesNotMatch(app.body, /fdf6e3/);
  });

  test("hostile CSS is a 400 naming the line; nothing changes", async () => {
    const team = await makeTeam(t);
    for (const [css, line] of [
      [".a{color:red}\n@import url(https://evil.example/x.css);", 2],
      [".a{color:red}\n\n.b{background:url(javascript:alert(1))}", 3],
      ["</style><script>alert(1)</script>", 1],
    ] as const) {
      const res = await t.app.inject({
        method: "PATCH",
        url: "/api/workspace/settings/branding",
        headers: team.admin.headers,
        payload: { customCss: css },
      });
      assert.equal(res.statusCode, 400, css);
      const err = res.json() as { error: { code: string; fields: Record<string, string> } };
      assert.equal(err.error.code, "validation_failed");
      assert.match(err.error.fields.customCss ?? "", new RegExp(`^line ${line}: `));
    }
    const bad = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/branding",
      headers: team.admin.headers,
      payload: { font: "comic-sans", secondaryColor: "orange" },
    });
    assert.equal(bad.statusCode, 400);
    const ws = await t.ctx.database.db
      .selectFrom("workspaces")
      .select(["custom_css", "font", "secondary_color"])
      .where("id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...ws }, { custom_css: null, font: null, secondary_color: null });
  });

  test("the branding form shows a CSS refusal at its field, and the preview shows unsaved values", async () => {
    const team = await makeTeam(t);
    const form = new URLSearchParams({
      _csrf: team.admin.csrf,
      brandName: "Acme",
      primaryColor: "#123456",
      secondaryColor: "",
      font: "rounded",
      customCss: "a{color:red}\n@font-face{font-family:x;src:url(https://evil.example/f.woff)}",
      supportEmail: "",
    });
    const res = await t.app.inject({
      method: "POST",
      url: "/app/settings/branding",
      headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form.toString(),
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /line 2: @font-face is not allowed/);
    assert.match(res.body, /id="customCss"[^>]*aria-invalid="true"/);

    const preview = await t.app.inject({
      method: "GET",
      url: `/app/settings/preview?${new URLSearchParams({ secondaryColor: "#aa0000", font: "rounded", customCss: "body{color:#010203}" })}`,
      headers: { cookie: team.admin.cookie },
    });
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, /--accent:#aa0000/);
    assert.match(preview.body, /\.portico-portal\{color:#010203\}/);
    const posted = await t.app.inject({
      method: "POST",
      url: "/app/settings/preview",
      headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        _csrf: team.admin.csrf,
        customCss: `.x{color:#040506}\n${".y{margin:0}\n".repeat(300)}`,
      }).toString(),
    });
    assert.equal(posted.statusCode, 200);
    assert.match(posted.body, /\.portico-portal \.x\{color:#040506\}/);
    assert.match(String(posted.headers["content-security-policy"]), /frame-ancestors 'self'/);
  });
});
