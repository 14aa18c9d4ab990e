import { expect } from '@open-wc/testing';
import QRCode from 'qrcode';
import jsQR from 'jsqr';

it('draws a QR with qrcode and decodes it back with jsQR', async () => {
  const canvas = document.createElement('canvas');
  await QRCode.toCanvas(canvas, 'hello');
  const ctx = canvas.getContext('2d')!;
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
  expect(jsQR(img.data, img.width, img.height)?.data).to.equal('hello');
});
