// Renderer entry: create the app and its stores, pick the transport (IPC inside Electron,
// WebSocket in web mode) and start the session that loads the snapshot and follows events.
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { startSession } from './startup/start-session.ts'
import { pickTransport } from './transport/transport.ts'
import { startTheme } from './composables/use-color-scheme.ts'
import './styles/theme.css'
import './styles/base.css'

// The theme goes on <html> before the first paint, so a dark page never flashes light.
startTheme()
const app = createApp(App)
app.use(createPinia())
app.mount('#app')
void startSession(pickTransport())
