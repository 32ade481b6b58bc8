import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { issuesLine } from "./errors.js";
import { strictInput, toolResult } from "./mcp.js";
import type { ServerName } from "./server-names.js";

/**
 * One MCP tool's contract, written once and shared by the server that answers it, the agent that calls it and
 * the tests: its name, what clients show, and the zod schemas of its arguments and of its answer. A field renamed
 * on one side then fails to compile, or fails loudly at the call, instead of reading `undefined` at run time.
 */
export interface ToolContract<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  server: ServerName;
  name: string;
  title: string;
  description: string;
  /** Strict: an argument the tool does not declare is refused (build it with `toolArgs`). */
  input: I;
  output: O;
  annotations: ToolAnnotations;
}

/** The arguments a contract's tool takes, as its caller writes them (defaults may be left out). */
export type ArgsOf<C extends ToolContract> = z.input<C["input"]>;
/** What a contract's tool answers, as parsed by its output schema. */
export type AnswerOf<C extends ToolContract> = z.infer<C["output"]>;

/** A contract, with its schemas' types kept (so handlers and callers are typed from them). */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(contract: ToolContract<I, O>): ToolContract<I, O> {
  return contract;
}

/**
 * A tool's arguments as a strict object, refusing undeclared ones with core/mcp.ts's message; the cast only
 * restores the shape's type, which `strictInput` erases.
 */
export function toolArgs<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  return strictInput(shape) as unknown as z.ZodObject<S, z.core.$strict>;
}

/** The handler of a contract's tool: the parsed arguments in, the answer out, both typed from the contract. */
export type ContractHandler<I extends z.ZodObject, O extends z.ZodObject> = (args: z.infer<I>) => z.infer<O> | Promise<z.infer<O>>;

/** Registers a contract's tool on a server (a WorldlineMcpServer), answering structured content and its JSON text. */
export function registerContract<I extends z.ZodObject, O extends z.ZodObject>(server: McpServer, contract: ToolContract<I, O>, handler: ContractHandler<I, O>): RegisteredTool {
  const { name, title, description, input, output, annotations } = contract;
  // The SDK has validated the arguments with `input` before the callback runs, and checks the answer with `output`.
  const callback = async (args: unknown) => toolResult(await handler(args as z.infer<I>));
  return server.registerTool(name, { title, description, inputSchema: input, outputSchema: output, annotations }, callback as never);
}

/** A tool's answer that does not match its contract's output schema: a bug on one side, never the caller's input. */
export class ContractError extends Error {
  override readonly name = "ContractError";
  constructor(
    readonly server: ServerName,
    readonly tool: string,
    issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  ) {
    super(`${server}.${tool}: the answer does not match the tool's contract: ${issuesLine(issues)}`);
  }
}

/** An answer parsed with the contract's output schema, or a ContractError naming server, tool and field. */
export function parseAnswer<C extends ToolContract>(contract: C, answer: unknown): AnswerOf<C> {
  const parsed = contract.output.safeParse(answer);
  if (!parsed.success) throw new ContractError(contract.server, contract.name, parsed.error.issues);
  return parsed.data as AnswerOf<C>;
}
