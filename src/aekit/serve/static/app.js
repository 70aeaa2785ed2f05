// aekit's page: plain JavaScript, no build step, nothing loaded from the network.
"use strict";

const $ = (id) => document.getElementById(id);
const canvas = $("canvas");
const ctx = canvas.getContext("2d");
let models = [];
let drawn = false;    // whether the canvas holds a drawing (vs an uploaded image)
let current = null;   // the data URL of the image last analysed

function clearCanvas() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawn = false;
}

function showError(message, id = "error") {
  const box = $(id);
  box.textContent = message;
  box.hidden = !message;
}

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await res.json().catch(() => ({detail: `${res.status} ${res.statusText}`}));
  if (!res.ok) {
    throw new Error(typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail));
  }
  return data;
}

function option(select, m) {
  const o = document.createElement("option");
  o.value = m.name;
  o.textContent = `${m.name} (${m.kind})`;
  o.title = m.description;
  select.appendChild(o);
}

async function loadModels() {
  const data = await api("/api/models");
  models = data.models;
  for (const m of models) {
    if (m.kind === "codec") option($("codec"), m);
    else if (m.takes_audio) option($("voice-model"), m);
    else if (m.takes_images) option($("model"), m);
  }
  if (models.some((m) => m.name === "espeak" && m.takes_audio)) $("voice-model").value = "espeak";  // the bundled one
  updateInfo();
  voiceSetup(data);
}

function selected() {
  return models.find((m) => m.name === $("model").value);
}

function updateInfo() {
  const m = selected();
  $("model-info").textContent = m ? m.description : "no image models: start with aekit serve --models DIR";
  $("sample").disabled = !m || !m.can_sample;
  $("interpolate").disabled = !m || !m.can_interpolate;
}

// ------------------------------------------------------------------ drawing
let last = null;
function point(e) {
  const r = canvas.getBoundingClientRect();
  return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
}
canvas.addEventListener("pointerdown", (e) => {
  if (!drawn) clearCanvas();
  drawn = true;
  last = point(e);
  canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener("pointermove", (e) => {
  if (!last) return;
  const p = point(e);
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 20;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(last[0], last[1]);
  ctx.lineTo(p[0], p[1]);
  ctx.stroke();
  last = p;
});
canvas.addEventListener("pointerup", () => {
  last = null;
  $("source").textContent = "your drawing";
  analyse(canvas.toDataURL("image/png"));
});

// ------------------------------------------------------------------ upload
$("upload").addEventListener("change", () => {
  const file = $("upload").files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    $("source").textContent = `uploaded: ${file.name} (${file.size.toLocaleString("en")} bytes)`;
    drawn = false;
    const img = new Image();
    img.onload = () => {  // show it on the canvas too
      clearCanvas();
      const s = Math.min(canvas.width / img.width, canvas.height / img.height);
      ctx.drawImage(img, 0, 0, img.width * s, img.height * s);
    };
    img.src = reader.result;
    analyse(reader.result);
  };
  reader.readAsDataURL(file);
});

// ------------------------------------------------------------------ results
async function analyse(dataUrl) {
  current = dataUrl;
  showError("");
  const m = selected();
  try {
    if (m) {
      const r = await api("/api/reconstruct", {model: m.name, image: dataUrl});
      $("input-img").src = r.input;
      $("recon-img").src = r.reconstruction;
      $("errmap-img").src = r.anomaly.error_map;
      const a = r.anomaly;
      let text = `anomaly score ${a.score.toPrecision(3)}`;
      if (a.threshold !== null && a.threshold !== undefined) {
        text += ` (threshold ${a.threshold.toPrecision(3)}: ${a.is_anomaly ? "abnormal" : "normal"})`;
      } else if (a.typical !== null && a.typical !== undefined) {
        text += ` (typical for training data: ${a.typical.toPrecision(3)})`;
      }
      $("score").textContent = text;
      $("score").className = a.is_anomaly ? "bad" : (a.is_anomaly === false ? "good" : "");
      $("code").textContent = r.code_indices ? r.code_indices.join(" ")
        : r.code.map((v) => v.toFixed(2)).join(", ");
    }
    const codec = $("codec").value;
    if (codec) {
      const c = await api("/api/compress", {codec: codec, image: dataUrl});
      $("compress-note").textContent = `PNG (lossless): ${c.png_bytes} bytes` + (c.warning ? `. ${c.warning}` : "");
      const body = $("compress-table").querySelector("tbody");
      body.replaceChildren(...c.levels.map((l) => {
        const tr = document.createElement("tr");
        tr.innerHTML = `<td>${l.quality}</td><td>${l.bytes}</td><td>${l.bits_per_pixel.toFixed(3)}</td>` +
          `<td>${l.psnr_db.toFixed(1)} dB</td><td><img alt="quality ${l.quality}" src="${l.image}"></td>`;
        return tr;
      }));
    }
  } catch (err) {
    showError(err.message);
  }
}

function strip(id, images) {
  $(id).replaceChildren(...images.map((src, i) => {
    const img = document.createElement("img");
    img.src = src;
    img.alt = `${id} ${i}`;
    return img;
  }));
}

$("sample").addEventListener("click", async () => {
  showError("");
  try {
    const r = await api("/api/sample", {model: $("model").value, n: 16, seed: Number($("seed").value)});
    strip("samples", r.images);
  } catch (err) { showError(err.message); }
});

$("interpolate").addEventListener("click", async () => {
  showError("");
  const body = {model: $("model").value, a: 0, b: 3, steps: 8};
  if (drawn && current) body.image_a = current;
  try {
    strip("morph", (await api("/api/interpolate", body)).images);
  } catch (err) { showError(err.message); }
});

// ------------------------------------------------------------------ voice conversion
let voiceMissing = null;  // why this server cannot convert (a package to install), or null

function voiceSetup(data) {
  const mib = (data.max_audio_bytes / 1048576).toFixed(1);
  $("voice-limits").textContent = `WAV, FLAC or OGG, at most ${data.max_audio_seconds} s and ${mib} MiB each.`;
  voiceMissing = data.voice_missing;
  if (voiceMissing) showError(voiceMissing, "voice-error");
  voiceInfo();
}

function voiceInfo() {
  const m = models.find((x) => x.name === $("voice-model").value);
  $("voice-info").textContent = m ? m.description : "no voice model";
  $("convert").disabled = !m || !!voiceMissing || !$("voice-source").files[0] || !$("voice-reference").files[0];
}

function preview(input, audioId) {  // play the chosen file before converting it
  const audio = $(audioId);
  if (audio.src.startsWith("blob:")) URL.revokeObjectURL(audio.src);
  const file = $(input).files[0];
  if (file) audio.src = URL.createObjectURL(file); else audio.removeAttribute("src");
  $(audioId.replace("-audio", "-spec")).hidden = true;
  // a new input: the last result no longer belongs to what is shown
  $("result-audio").removeAttribute("src");
  $("result-spec").hidden = true;
  $("voice-download").hidden = true;
  $("voice-status").textContent = "";
  showError(voiceMissing || "", "voice-error");
  voiceInfo();
}

const stem = (name) => name.replace(/\.[^.]*$/, "");
const clipText = (c) => `${c.seconds.toFixed(2)} s at ${c.sample_rate} Hz`;

$("voice-source").addEventListener("change", () => preview("voice-source", "source-audio"));
$("voice-reference").addEventListener("change", () => preview("voice-reference", "reference-audio"));
$("voice-model").addEventListener("change", voiceInfo);

$("convert").addEventListener("click", async () => {
  const source = $("voice-source").files[0];
  const reference = $("voice-reference").files[0];
  const form = new FormData();
  form.append("source", source);
  form.append("reference", reference);
  form.append("model", $("voice-model").value);
  showError("", "voice-error");
  $("convert").disabled = true;
  $("voice-status").textContent = "converting...";
  try {
    const res = await fetch("/api/convert", {method: "POST", body: form});
    const r = await res.json().catch(() => ({detail: `${res.status} ${res.statusText}`}));
    if (!res.ok) throw new Error(typeof r.detail === "string" ? r.detail : JSON.stringify(r.detail));
    $("result-audio").src = r.audio;
    const link = $("voice-download");
    link.href = r.audio;
    link.download = `${stem(source.name)}_as_${stem(reference.name)}.wav`;
    link.hidden = false;
    for (const [key, c] of [["source", r.source], ["reference", r.reference], ["result", r.result]]) {
      $(`${key}-spec`).src = c.spectrogram;
      $(`${key}-spec`).hidden = false;
    }
    $("voice-status").textContent = `result: ${clipText(r.result)}, ${(r.audio_bytes / 1024).toFixed(0)} KiB ` +
      `(source ${clipText(r.source)}, reference ${clipText(r.reference)}); converted in ` +
      `${r.compute_seconds.toFixed(1)} s by ${r.model}.`;
  } catch (err) {
    $("voice-status").textContent = "";
    showError(err.message, "voice-error");
  } finally {
    voiceInfo();
  }
});

$("clear").addEventListener("click", clearCanvas);
$("analyse").addEventListener("click", () => analyse(current || canvas.toDataURL("image/png")));
$("model").addEventListener("change", () => { updateInfo(); if (current) analyse(current); });
$("codec").addEventListener("change", () => { if (current) analyse(current); });

clearCanvas();
loadModels().catch((err) => showError(err.message));
