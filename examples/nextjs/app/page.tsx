// The page (a server component): reads where the TUS server is at request time and renders
// the client-side uploader. Only the public endpoint is passed down, never a secret.
import Uploader from './uploader';

export const dynamic = 'force-dynamic';

export default function Page() {
  const endpoint = process.env.TUS_ENDPOINT ?? 'http://127.0.0.1:1080/files/';
  return (
    <main>
      <h1>Upload a file</h1>
      <Uploader endpoint={endpoint} />
    </main>
  );
}
