import http from 'k6/http';
import { check, sleep } from 'k6';

// Expected peak: ~2 questions/second from the docs site widget.
// This ramps to 10x that and holds it. Run against staging only:
//   k6 run -e BASE_URL=https://docs-assistant.staging.acme.example loadtest/k6-chat.js
const BASE_URL = __ENV.BASE_URL || 'http://localhost:8080';

export const options = {
  stages: [
    { duration: '2m', target: 20 },
    { duration: '5m', target: 20 },
    { duration: '3m', target: 200 },
    { duration: '20m', target: 200 },
    { duration: '2m', target: 0 },
  ],
  thresholds: {
    http_req_failed: ['rate<0.02'],
    http_req_duration: ['p(95)<12000'],
    checks: ['rate>0.98'],
  },
};

const QUESTIONS = [
  { question: 'How do I create an API token?', product: 'api' },
  { question: 'What does error E_RATE_LIMITED mean?', product: 'api' },
  { question: 'How do I log in with the CLI on a headless server?', product: 'cli' },
  { question: 'Can I export dashboard charts as CSV?', product: 'dashboard' },
  { question: 'How do I configure retries in the Python SDK?', product: 'sdk' },
];

export default function () {
  const body = QUESTIONS[Math.floor(Math.random() * QUESTIONS.length)];
  const res = http.post(`${BASE_URL}/v1/ask`, JSON.stringify(body), {
    headers: { 'Content-Type': 'application/json' },
    timeout: '60s',
  });
  check(res, {
    'status is 200 or 429': (r) => r.status === 200 || r.status === 429,
    'has an answer': (r) => r.status !== 200 || r.json('answer') !== '',
  });
  sleep(5 + Math.random() * 10);
}
