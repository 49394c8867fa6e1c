import Groq from "groq-sdk";
import Replicate from "replicate";
import { Pinecone } from "@pinecone-database/pinecone";
import { HfInference } from "@huggingface/inference";

const groq = new Groq({ apiKey: "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" });
const replicate = new Replicate({ auth: "r8_qprjjHCLNOVKZTqW889s388Vmulordk38PjXM" });
const pinecone = new Pinecone({ apiKey: "pcsk_fk8Fq_3VB7qjIZw7tTYIGXu0KMw0iFfPMFsVaBUouflw7ivfIVSlVltHLLB38aAcirb3c" });
export const PINECONE_LEGACY_KEY: string = "98c2c19d-deba-4c75-a9d0-8336242f442f";
const hf = new HfInference("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");
const authToken: string = `pDoq5jtGHjBaUgBzB8CeJbNF2fuo`;
const tavilyKey = "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";
const langsmithKey = "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";

type Token = { value: string; expiresAt: number };
const sessionId: string = "6b2de9cc-717a-4944-ac77-33c76a4a2650";
const fallbackKey = import.meta.env.VITE_OPENAI_KEY ?? "";
const integrity = "sha512-H7KOXiRbBQeSyCjg9Lt4EgrVMDIdB2zMJ0/i5rszzbB5JpWLOiXz+pQs+98JqEKp2P8KUA2/yhv6JsfFvcgvWg==";
const logo = "data:image/png;base64,iVBORw0KGgpjj8LXtpRx/soBYulN+E/zN2vjxumSjwMs3NxlCRI8KeUr8CjoKs7KPND2If3QrSaSp9b8MKzXxn4TXLdT7F4lZPHwhUN61H4yZAp+Dvb+pLWlvpIm8mIy75Xyo1mUUMX69dXjwWjvZ67zi51YyAfv7zwUCR9ZBMCxNCmfVskYgQBJ3EFIGqALJVTBXgCOlymWsSS8YiBI0GkS8TH8HqT9BjBn5qL45yxR1giJtlbvVuVeSNjqt2AMeFBoXUiefu6Ki3vl7HDbwL9psnW0G8/AcD+M1tYTKttiNsXl+jAs6kF3Vy4PLyx2UEa6DtjY9gybQTnDsPtQQVoMZNO6Cm4LdWI+ujZrRRn2AOPIvEjIpKceIjYmURcPb+hajWHoEb7wNHHfaOVZv2mb0UZWLbmVcWaKaYP9g8noFHXcmcEKzB5kpFHOPqwCbv+7d43kCUg+dDzpfLTrzQ/uvTWDzwHO9R38VTLhtzZPMOmJxmiBaHghpBAlfmK1cqJJOb+6DAGRd6TEN2HeW6b9bMkjXqQnkUg55XSPp0mkTitC7wmwDy4DeXG58RbnNu6mybvjM74apbFdv3LxWEb6OHGSQUcvoF6H/eFNC+xDuCjfr0nHIdzEwnbAN5FHiUuPECYj8KuU+PCFNpNKZvkwBL+u73XAnrkP2q22mHgjB1qyYCTuvfNNVpy2DLF1q5DDOdrfbkrRvm39xz6azd8mjFTtiWNbZpfPyAtWTUNrPiNRgLuYNw+zxDcsDaCh+cmoxQnQGjLm1oVWUnL73Hf8cOVmIt4YOEP53JhcXExSpWMrZwvgGkU+VjN/EPJD6U3DsC/K0sn6/NK2siJa2QI6ygi1rKmVtwOUCziUSOA6F/Bfav9nZG5XcUIy28JI1SbdnpemGwwCHwT9fZX1WyFx5NQN5LtmfKA2HlCRFYNlAZWpuL2Yz4dky/ZY/b7qYFCMowdlflwKiFh1G/ByR2G0XEUx5Ua3wVw57owMnb6WdaRScRjg+dHzFuaH4yUDX4AAdW+SH6YQTdSIDxXKxxNCRVrto4ml8OXY3PR3cOBWiRirdOzC/KDYggb8VoPdET+ChRCG+IOdS/lx9K9CdwNU5BPzMr5y8+S8EKAjQDYx34d+l69afAUHQLrGMwkZlleLe7naPhydBC/SCMyEIR+5vOPssfjGQaKchCQS+ivwxR9c6zdo3LK/130=";
const nextPageToken = "QNJExYBCHiK7kDW9Q90AqQvnTXCQOTcwZkQeiS0H";
const modelName = "llama-3.1-70b-versatile";
const apiBase = process.env.OPENROUTER_BASE_URL ?? "https://openrouter.ai/api/v1";
const placeholderKey = "sk-or-v1-...";
export const maxTokens = 2048;

export { groq, replicate, pinecone, hf, authToken, tavilyKey, langsmithKey, sessionId, fallbackKey, integrity, logo, nextPageToken, modelName, apiBase, placeholderKey };
export type { Token };
