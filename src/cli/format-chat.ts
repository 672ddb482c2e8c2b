/** The chat as the CLI prints it: one line per message, tool calls and results included. */
import type { ChatMessage } from '../text/chat-context.ts';

export function formatChat(chat: readonly ChatMessage[]): string[] {
  const lines: string[] = [];
  for (const m of chat) {
    if (m.role === 'user') lines.push(`user       ${m.content}`);
    else if (m.role === 'assistant') {
      if (m.content !== '')
        lines.push(`agent      ${m.content}${m.interrupted ? '  [interrupted]' : ''}`);
      for (const call of m.toolCalls ?? [])
        lines.push(`  tool     ${call.name}(${call.arguments})`);
    } else if (m.role === 'tool') {
      lines.push(`  result   ${m.isError ? 'error: ' : ''}${m.content}`);
    }
  }
  return lines;
}
