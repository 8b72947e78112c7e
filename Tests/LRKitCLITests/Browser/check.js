// Run by headless Chromium after the page has laid out: measures every figure as the browser
// drew it and writes the findings as JSON into <pre id="lrkit-check"> (read back by
// BrowserTests through --dump-dom).
(function () {
  const out = { figures: 0, texts: 0, overlaps: [], outside: [], empty: [], invisible: [] };
  const area = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
                         Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const wide = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                         Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const top = Array.from(document.querySelectorAll('svg')).filter(s => !s.parentElement.closest('svg'));
  top.forEach((svg, i) => {
    out.figures += 1;
    const frame = svg.getBoundingClientRect();
    const name = (svg.querySelector('text') || { textContent: 'figure ' + i }).textContent;
    const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim() !== '');
    const boxes = texts.map(t => ({ text: t.textContent, box: t.getBoundingClientRect() }));
    out.texts += boxes.length;
    for (let a = 0; a < boxes.length; a++) {
      const b1 = boxes[a].box;
      if (b1.left < frame.left - 1 || b1.right > frame.right + 1 || b1.top < frame.top - 1 || b1.bottom > frame.bottom + 1) {
        out.outside.push(name + ': "' + boxes[a].text + '"');
      }
      for (let b = a + 1; b < boxes.length; b++) {
        if (wide(b1, boxes[b].box)) out.overlaps.push(name + ': "' + boxes[a].text + '" and "' + boxes[b].text + '"');
      }
    }
    // Every panel (a chart's plot frame) shows data inside it, and every legend colour is drawn.
    const frames = Array.from(svg.querySelectorAll('rect[fill="none"][stroke="#444"]'));
    if (frames.length === 0) out.empty.push(name + ': no plot');
    const data = Array.from(svg.querySelectorAll('g[clip-path] polyline, g[clip-path] circle'));
    frames.forEach((f, k) => {
      const fr = f.getBoundingClientRect();
      const inside = data.filter(d => { const r = d.getBoundingClientRect(); return area(r, fr) > 0 || ((r.width > 0 || r.height > 0) && r.left >= fr.left - 1 && r.right <= fr.right + 1 && r.top >= fr.top - 1 && r.bottom <= fr.bottom + 1); });
      if (inside.length === 0) out.empty.push(name + ': panel ' + k + ' has no visible data');
    });
    const drawn = new Set(data.filter(d => { const r = d.getBoundingClientRect(); return r.width > 0 || r.height > 0; })
                              .map(d => (d.getAttribute('stroke') || d.getAttribute('fill') || '').toUpperCase()));
    const legend = Array.from(svg.querySelectorAll('line[stroke-width="2"]')).map(l => l.getAttribute('stroke').toUpperCase());
    legend.forEach(c => { if (!drawn.has(c)) out.invisible.push(name + ': legend colour ' + c + ' has no visible line'); });
  });
  const pre = document.createElement('pre');
  pre.id = 'lrkit-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
